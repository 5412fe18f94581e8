#include "services/registry/writer.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/resource_errors.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "platform/errors.h"
#include "region/validation.h"
#include "security/call_context.h"
#include "services/registry/active_counts.h"
#include "services/registry/employer_counts.h"
#include "services/registry/resource_rules.h"

namespace paritrana::registry {
namespace {

using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

constexpr int kMaxEnrollmentsPerPerson = 10000;

// Sets `field` (create_time or update_time) to now, on any resource that has it.
void Stamp(Message& m, const char* field) {
  const auto* f = m.GetDescriptor()->FindFieldByName(field);
  if (f == nullptr) return;
  m.GetReflection()->MutableMessage(&m, f)->CopyFrom(TimeUtil::GetCurrentTime());
}

// Whether two versions of a resource differ in anything but their timestamps.
bool SameContent(const Message& a, const Message& b) {
  MessageDifferencer d;
  for (const char* f : {"create_time", "update_time"}) {
    if (const auto* field = a.GetDescriptor()->FindFieldByName(f)) d.IgnoreField(field);
  }
  return d.Compare(a, b);
}

std::string CodeOf(const std::string& region_name) {
  return region_name.substr(region_name.find('/') + 1);
}

absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

absl::Status NotFoundAt(const std::string& field, const std::string& name) {
  return NotFound(name, field, absl::StrCat(name, " does not exist"));
}

template <typename M>
absl::StatusOr<std::vector<M>> LoadAll(RegistryTx& tx, Kind kind, const std::string& parent) {
  ListQuery q;
  q.kind = kind;
  q.parent = parent;
  q.limit = kMaxEnrollmentsPerPerson;
  PARITRANA_ASSIGN_OR_RETURN(std::vector<StoredResource> rows, tx.List(q));
  std::vector<M> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!out[i].ParseFromString(rows[i].body)) return absl::DataLossError("record does not parse");
  }
  return out;
}

}  // namespace

void Writer::Touch(const std::string& region_name) {
  if (!region_name.empty()) touched_.insert(CodeOf(region_name).substr(0, 2));
}

namespace {

// The region a stored resource belongs to for region scope: a region itself, or the region or
// domicile its message names (contributions are written through their enrollment's region).
std::string ScopeRegionOf(Kind kind, const Message& resource) {
  const google::protobuf::Descriptor* d = resource.GetDescriptor();
  for (const char* field : {"region", "domicile_region"}) {
    if (const auto* f = d->FindFieldByName(field)) {
      return resource.GetReflection()->GetString(resource, f);
    }
  }
  if (kind == Kind::kRegion) {
    return resource.GetReflection()->GetString(resource, d->FindFieldByName("name"));
  }
  return std::string();
}

}  // namespace

absl::Status Writer::CheckScopeOfUpdate(Kind kind, const Message& after) {
  const CallContext* call = CallScope::Current();
  // National callers and the system itself may write anywhere: no look-up for them.
  if (call == nullptr || call->caller.regions.empty()) return absl::OkStatus();
  const std::string name =
      after.GetReflection()->GetString(after, after.GetDescriptor()->FindFieldByName("name"));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> body, tx_.Get(kind, name));
  if (body.has_value()) {
    std::unique_ptr<Message> before(after.New());
    if (!before->ParseFromString(*body)) return absl::DataLossError("stored record does not parse");
    PARITRANA_RETURN_IF_ERROR(call->caller.CheckRegion(ScopeRegionOf(kind, *before)));
  }
  return call->caller.CheckRegion(ScopeRegionOf(kind, after));
}

absl::StatusOr<bool> Writer::Exists(Kind kind, const std::string& name) {
  if (known_.contains({kind, name})) return true;
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> body, tx_.Get(kind, name));
  if (body.has_value()) known_.insert({kind, name});
  return body.has_value();
}

absl::Status Writer::RequireRegion(const std::string& name, const std::string& field) {
  PARITRANA_ASSIGN_OR_RETURN(bool exists, Exists(Kind::kRegion, name));
  return exists ? absl::OkStatus() : NotFoundAt(field, name);
}

absl::Status Writer::Insert(Kind kind, Message& resource, const std::string& parent,
                            const std::string& region) {
  if (!region.empty()) PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(region));
  TrimText(resource);
  const auto now = TimeUtil::GetCurrentTime();  // one reading: equal until the first change
  for (const char* field : {"create_time", "update_time"}) {
    if (const auto* f = resource.GetDescriptor()->FindFieldByName(field)) {
      resource.GetReflection()->MutableMessage(&resource, f)->CopyFrom(now);
    }
  }
  const auto* name = resource.GetDescriptor()->FindFieldByName("name");
  return tx_.Insert(kind, resource.GetReflection()->GetString(resource, name), parent,
                    region.empty() ? "" : CodeOf(region), resource.SerializeAsString());
}

absl::Status Writer::Replace(Kind kind, Message& resource, const std::string& region) {
  if (!region.empty()) PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(region));
  PARITRANA_RETURN_IF_ERROR(CheckScopeOfUpdate(kind, resource));
  TrimText(resource);
  Stamp(resource, "update_time");
  const auto* name = resource.GetDescriptor()->FindFieldByName("name");
  PARITRANA_RETURN_IF_ERROR(tx_.Update(kind, resource.GetReflection()->GetString(resource, name),
                                       resource.SerializeAsString()));
  Touch(region);
  return absl::OkStatus();
}

template <typename M>
absl::StatusOr<M> Writer::Patch(Kind kind, const std::string& name, const M& patch,
                                const google::protobuf::FieldMask& mask) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<M> stored, Load<M>(tx_, kind, name));
  if (!stored.has_value()) return NotFoundAt("name", name);
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  M updated = *stored;
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, mask, options, &updated);
  // Optional scalars named in the mask but unset in the patch are cleared ("unset clears it").
  for (const std::string& path : mask.paths()) {
    const auto* f = M::descriptor()->FindFieldByName(path);
    if (f != nullptr && f->has_presence() && !f->message_type() &&
        !patch.GetReflection()->HasField(patch, f)) {
      updated.GetReflection()->ClearField(&updated, f);
    }
  }
  return updated;
}

template absl::StatusOr<v1::Region> Writer::Patch(Kind, const std::string&, const v1::Region&,
                                                  const google::protobuf::FieldMask&);
template absl::StatusOr<v1::WorkforceBaseline> Writer::Patch(Kind, const std::string&,
                                                             const v1::WorkforceBaseline&,
                                                             const google::protobuf::FieldMask&);
template absl::StatusOr<v1::CoverageTarget> Writer::Patch(Kind, const std::string&,
                                                          const v1::CoverageTarget&,
                                                          const google::protobuf::FieldMask&);
template absl::StatusOr<v1::Employer> Writer::Patch(Kind, const std::string&, const v1::Employer&,
                                                    const google::protobuf::FieldMask&);
template absl::StatusOr<v1::Participant> Writer::Patch(Kind, const std::string&,
                                                       const v1::Participant&,
                                                       const google::protobuf::FieldMask&);

absl::StatusOr<Written<v1::Region>> Writer::PutRegion(const v1::Region& input, bool create_only) {
  PARITRANA_ASSIGN_OR_RETURN(RegionCode code, ParseRegionName(input.name()));
  // CreateRegion takes the code from region_id; import rows from region.name.
  const std::string name_field = create_only ? "region_id" : "region.name";
  // Real provinces and regencies/cities come only from the catalogue, so their names and BPS codes
  // stay official. The shipped catalogue holds Jambi's regencies alone, so without the national
  // one a synthetic regency is the only way demonstration and benchmark data can span other
  // provinces (e.g. a national award cycle). With the national catalogue every real region is
  // loaded: a real one that is missing does not exist, and synthetic ones (tests, demonstrations)
  // can be added below the province.
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> national,
                             tx_.GetSetting(kRegionCatalogVersionSetting));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Region> stored,
                             Load<v1::Region>(tx_, Kind::kRegion, input.name()));
  const bool below_province = code.level != type::v1::REGION_LEVEL_PROVINCE;
  if (national.has_value() && !input.synthetic()) {
    if (!stored.has_value()) {
      return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS", name_field,
                        absl::StrCat("is not in the national region catalogue (", *national,
                                     "); a region invented for tests or demonstrations needs "
                                     "synthetic: true"));
    }
  } else if (national.has_value()) {
    if (!below_province) {
      return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS", name_field,
                        "provinces come with the catalogue and cannot be synthetic");
    }
  } else {
    const bool synthetic_regency =
        code.level == type::v1::REGION_LEVEL_REGENCY && input.synthetic();
    if (code.level != type::v1::REGION_LEVEL_DISTRICT &&
        code.level != type::v1::REGION_LEVEL_VILLAGE && !synthetic_regency) {
      return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS", name_field,
                        "only districts (PP.KK.CC), villages (PP.KK.CC.DDDD) and synthetic "
                        "regencies/cities (PP.KK with synthetic: true) can be added; provinces "
                        "and real regencies come with the catalogue");
    }
  }
  if (below_province) {
    PARITRANA_RETURN_IF_ERROR(RequireRegion(RegionName(code.parent), name_field));
  }

  v1::Region r = input;
  TrimText(r);
  r.set_code(code.code);
  r.set_level(code.level);
  if (below_province) r.set_parent(RegionName(code.parent));  // a province has none
  r.set_is_city(code.is_city);
  if (!stored.has_value()) {
    PARITRANA_RETURN_IF_ERROR(ClaimBpsCode(nullptr, r, "region.bps_code"));
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kRegion, r, r.parent(), r.name()));
    Touch(r.name());
    return Written<v1::Region>{r, Outcome::kCreated};
  }
  if (create_only) {
    return AlreadyExists(r.name(), "region_id", absl::StrCat(r.name(), " already exists"));
  }
  if (stored->synthetic() != r.synthetic()) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "IMMUTABLE_FIELD", "region.synthetic",
                      "differs from the stored region and cannot change");
  }
  r.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(r, *stored)) return Written<v1::Region>{*stored, Outcome::kUnchanged};
  PARITRANA_RETURN_IF_ERROR(ClaimBpsCode(&*stored, r, "region.bps_code"));
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kRegion, r, r.name()));
  return Written<v1::Region>{r, Outcome::kUpdated};
}

absl::Status Writer::ClaimBpsCode(const v1::Region* before, const v1::Region& after,
                                  const std::string& field) {
  static constexpr size_t kBpsLength[] = {0, 2, 4, 7, 10};
  const std::string& bps = after.bps_code();
  if (!bps.empty() && bps.size() != kBpsLength[after.level()]) {
    return FieldError(
        absl::StatusCode::kInvalidArgument, "INVALID_FIELDS", field,
        absl::StrCat("must have ", kBpsLength[after.level()], " digits at this level"));
  }
  if (before != nullptr && before->bps_code() == bps) return absl::OkStatus();
  if (before != nullptr && !before->bps_code().empty()) {
    PARITRANA_RETURN_IF_ERROR(tx_.ReleaseKey("bps_code", before->bps_code(), after.name()));
  }
  if (bps.empty()) return absl::OkStatus();
  absl::Status s = tx_.ClaimKey("bps_code", bps, after.name());
  if (absl::IsAlreadyExists(s)) {
    return FieldError(absl::StatusCode::kAlreadyExists, "BPS_CODE_TAKEN", field,
                      "is already the BPS code of another region");
  }
  return s;
}

absl::StatusOr<Written<v1::WorkforceBaseline>> Writer::PutBaseline(
    const v1::WorkforceBaseline& input, bool create_only) {
  PARITRANA_RETURN_IF_ERROR(RequireRegion(input.region(), "parent"));
  v1::WorkforceBaseline b = input;
  TrimText(b);
  b.set_name(absl::StrCat(b.region(), "/baselines/", b.year(), "-", SourceSlug(b.source())));
  std::sort(b.mutable_segment_workers()->begin(), b.mutable_segment_workers()->end(),
            [](const auto& x, const auto& y) { return x.segment() < y.segment(); });
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::WorkforceBaseline> stored,
                             Load<v1::WorkforceBaseline>(tx_, Kind::kBaseline, b.name()));
  if (!stored.has_value()) {
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kBaseline, b, b.region(), b.region()));
    Touch(b.region());
    return Written<v1::WorkforceBaseline>{b, Outcome::kCreated};
  }
  if (create_only) {
    return AlreadyExists(b.name(), "workforce_baseline",
                         absl::StrCat(b.name(), " already exists; update it instead"));
  }
  b.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(b, *stored)) return Written<v1::WorkforceBaseline>{*stored, Outcome::kUnchanged};
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kBaseline, b, b.region()));
  return Written<v1::WorkforceBaseline>{b, Outcome::kUpdated};
}

absl::StatusOr<Written<v1::CoverageTarget>> Writer::PutTarget(const v1::CoverageTarget& input,
                                                              bool create_only) {
  PARITRANA_RETURN_IF_ERROR(RequireRegion(input.region(), "parent"));
  v1::CoverageTarget t = input;
  TrimText(t);
  t.set_name(absl::StrCat(t.region(), "/targets/", t.year()));
  std::sort(t.mutable_segment_targets()->begin(), t.mutable_segment_targets()->end(),
            [](const auto& x, const auto& y) { return x.segment() < y.segment(); });
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::CoverageTarget> stored,
                             Load<v1::CoverageTarget>(tx_, Kind::kTarget, t.name()));
  if (!stored.has_value()) {
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kTarget, t, t.region(), t.region()));
    Touch(t.region());
    return Written<v1::CoverageTarget>{t, Outcome::kCreated};
  }
  if (create_only) {
    return AlreadyExists(t.name(), "coverage_target",
                         absl::StrCat(t.name(), " already exists; update it instead"));
  }
  t.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(t, *stored)) return Written<v1::CoverageTarget>{*stored, Outcome::kUnchanged};
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kTarget, t, t.region()));
  return Written<v1::CoverageTarget>{t, Outcome::kUpdated};
}

absl::StatusOr<Written<v1::Employer>> Writer::PutEmployer(const v1::Employer& input,
                                                          EmployerWrite how) {
  PARITRANA_RETURN_IF_ERROR(RequireRegion(input.region(), "employer.region"));
  v1::Employer e = input;
  TrimText(e);
  e.set_npp(e.name().substr(e.name().find('/') + 1));
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Employer> stored,
                             Load<v1::Employer>(tx_, Kind::kEmployer, e.name()));
  if (!stored.has_value()) {
    if (!e.has_registration_date()) *e.mutable_registration_date() = ToProtoDate(today_);
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kEmployer, e, "", e.region()));
    PARITRANA_RETURN_IF_ERROR(tx_.AddDeltas(RegistrationDeltas(nullptr, &e)));
    return Written<v1::Employer>{e, Outcome::kCreated};
  }
  if (how == EmployerWrite::kCreate) {
    return AlreadyExists(e.name(), "employer_id", absl::StrCat(e.name(), " already exists"));
  }
  // An import row without the day keeps the recorded one (unset means "the day of the request"
  // only when the employer is created).
  if (!e.has_registration_date()) {
    *e.mutable_registration_date() =
        stored->has_registration_date() ? stored->registration_date() : ToProtoDate(today_);
  }
  // Likewise the day of the headcount, while the row restates the recorded headcount; a new
  // headcount without its day has no known day.
  if (how == EmployerWrite::kImportRow && !e.has_worker_count_date() &&
      stored->has_worker_count_date() &&
      e.worker_count_declared() == stored->worker_count_declared()) {
    *e.mutable_worker_count_date() = stored->worker_count_date();
  }
  e.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(e, *stored)) return Written<v1::Employer>{*stored, Outcome::kUnchanged};
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kEmployer, e, ""));
  PARITRANA_RETURN_IF_ERROR(tx_.AddDeltas(RegistrationDeltas(&*stored, &e)));
  if (stored->region() != e.region()) {
    PARITRANA_RETURN_IF_ERROR(tx_.Relocate(Kind::kEmployer, e.name(), CodeOf(e.region())));
    PARITRANA_RETURN_IF_ERROR(MoveBills(e.name(), stored->region(), e.region()));
  }
  return Written<v1::Employer>{e, Outcome::kUpdated};
}

absl::Status Writer::MoveBills(const std::string& employer, const std::string& from,
                               const std::string& to) {
  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::ContributionBill> bills,
                             LoadAll<v1::ContributionBill>(tx_, Kind::kContributionBill, employer));
  std::vector<AggregateDelta> deltas;
  for (const v1::ContributionBill& b : bills) {
    std::vector<AggregateDelta> moved = BillDeltas(from, &b, to, &b);
    deltas.insert(deltas.end(), moved.begin(), moved.end());
  }
  return tx_.AddDeltas(deltas);
}

absl::StatusOr<Written<v1::ContributionBill>> Writer::PutBill(const v1::ContributionBill& input) {
  const std::string employer_name = EmployerOfBill(input.name());
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Employer> employer,
                             Load<v1::Employer>(tx_, Kind::kEmployer, employer_name));
  if (!employer.has_value()) return NotFoundAt("bill.name", employer_name);
  // A bill carries no region of its own: it is its employer's.
  PARITRANA_RETURN_IF_ERROR(CheckCallerRegion(employer->region()));
  v1::ContributionBill b = input;
  b.set_employer(employer_name);
  b.clear_create_time();
  b.clear_update_time();
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::ContributionBill> stored,
                             Load<v1::ContributionBill>(tx_, Kind::kContributionBill, b.name()));
  if (!stored.has_value()) {
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kContributionBill, b, employer_name, ""));
    PARITRANA_RETURN_IF_ERROR(
        tx_.AddDeltas(BillDeltas(employer->region(), nullptr, employer->region(), &b)));
    return Written<v1::ContributionBill>{b, Outcome::kCreated};
  }
  b.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(b, *stored)) return Written<v1::ContributionBill>{*stored, Outcome::kUnchanged};
  Stamp(b, "update_time");
  PARITRANA_RETURN_IF_ERROR(tx_.Update(Kind::kContributionBill, b.name(), b.SerializeAsString()));
  PARITRANA_RETURN_IF_ERROR(
      tx_.AddDeltas(BillDeltas(employer->region(), &*stored, employer->region(), &b)));
  return Written<v1::ContributionBill>{b, Outcome::kUpdated};
}

absl::Status Writer::RecountEmployer(const v1::Employer& stored) {
  v1::Employer e = stored;
  if (!e.has_registration_date()) {
    // WIB is UTC+7 with no daylight saving, as TodayInJakarta reckons it.
    const absl::Time created = absl::FromUnixSeconds(e.create_time().seconds());
    *e.mutable_registration_date() = ToProtoDate(
        e.has_create_time() ? absl::ToCivilDay(created, absl::FixedTimeZone(7 * 3600)) : today_);
    PARITRANA_RETURN_IF_ERROR(tx_.Update(Kind::kEmployer, e.name(), e.SerializeAsString()));
  }
  PARITRANA_RETURN_IF_ERROR(tx_.AddDeltas(RegistrationDeltas(nullptr, &e)));
  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::ContributionBill> bills,
                             LoadAll<v1::ContributionBill>(tx_, Kind::kContributionBill, e.name()));
  for (const v1::ContributionBill& b : bills) {
    PARITRANA_RETURN_IF_ERROR(tx_.AddDeltas(BillDeltas(e.region(), nullptr, e.region(), &b)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Written<v1::Participant>> Writer::PutParticipant(const v1::Participant& input,
                                                                bool create_only) {
  PARITRANA_RETURN_IF_ERROR(RequireRegion(input.domicile_region(), "participant.domicile_region"));
  const std::string hash = vault_.LookupHash(input.nik());
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> holder, tx_.ParticipantByNikHash(hash));
  v1::Participant p = StoredForm(input);

  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Participant> stored,
                             Load<v1::Participant>(tx_, Kind::kParticipant, p.name()));
  if (!stored.has_value()) {
    if (holder.has_value()) {
      return FieldError(absl::StatusCode::kAlreadyExists, "NIK_ALREADY_REGISTERED",
                        "participant.nik", "is already registered to another participant");
    }
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kParticipant, p, "", p.domicile_region()));
    PARITRANA_RETURN_IF_ERROR(tx_.InsertNik(hash, vault_.Seal(input.nik()), p.name()));
    return Written<v1::Participant>{p, Outcome::kCreated};
  }
  if (create_only) {
    return AlreadyExists(p.name(), "participant_id", absl::StrCat(p.name(), " already exists"));
  }
  if (holder != p.name()) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "IMMUTABLE_FIELD", "participant.nik",
                      "differs from the NIK stored for this participant");
  }
  if (p.sex() != stored->sex()) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "IMMUTABLE_FIELD", "participant.sex",
                      "differs from the stored value");
  }
  if (!MessageDifferencer::Equals(p.birth_date(), stored->birth_date())) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "IMMUTABLE_FIELD",
                      "participant.birth_date", "differs from the stored value");
  }
  p.mutable_create_time()->CopyFrom(stored->create_time());
  if (SameContent(p, *stored)) return Written<v1::Participant>{*stored, Outcome::kUnchanged};
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kParticipant, p, ""));
  return Written<v1::Participant>{p, Outcome::kUpdated};
}

v1::Participant Writer::StoredForm(const v1::Participant& input) {
  v1::Participant p = input;
  TrimText(p);
  p.set_kpj(p.name().substr(p.name().find('/') + 1));
  p.set_nik_masked(NikVault::Mask(p.nik()));
  p.clear_nik();  // the stored message never holds the NIK; the NIK index holds it sealed
  return p;
}

absl::StatusOr<v1::Enrollment> Writer::NewEnrollment(const std::string& participant,
                                                     const v1::Enrollment& input) {
  v1::Enrollment e = input;
  std::sort(e.mutable_programmes()->begin(), e.mutable_programmes()->end());
  PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx_.NextId("enrollment"));
  e.set_name(absl::StrCat(participant, "/enrollments/e", id));
  e.set_state(v1::ENROLLMENT_STATE_ACTIVE);
  e.clear_paid_through_date();
  e.clear_end_date();
  return e;
}

absl::Status Writer::CheckExtends(const v1::Enrollment& stored, const v1::Contribution& input) {
  if (stored.state() == v1::ENROLLMENT_STATE_TERMINATED) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "ENROLLMENT_TERMINATED", "parent",
                      absl::StrCat(stored.name(), " is terminated"));
  }
  const absl::CivilDay covers = Day(input.covers_through());
  if (covers < Day(stored.start_date())) {
    return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS",
                      "contribution.covers_through",
                      "must not be earlier than the enrollment's start_date");
  }
  if (stored.has_paid_through_date() && covers <= Day(stored.paid_through_date())) {
    return FieldError(absl::StatusCode::kFailedPrecondition, "PAID_THROUGH_NOT_EXTENDED",
                      "contribution.covers_through",
                      "must be later than the enrollment's current paid_through_date");
  }
  const absl::CivilDay paid = Day(input.paid_date());
  if (covers > absl::CivilDay(paid.year() + 10, paid.month(), paid.day())) {
    return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS",
                      "contribution.covers_through", "must be at most 10 years after paid_date");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Contribution> Writer::NewContribution(const v1::Enrollment& stored,
                                                         const v1::Contribution& input) {
  v1::Contribution c = input;
  if (c.funding_source() == type::v1::FUNDING_SOURCE_UNSPECIFIED) {
    c.set_funding_source(stored.funding_source());
    c.set_subsidy_scheme(stored.subsidy_scheme());
  }
  if (stored.has_paid_through_date()) {
    c.mutable_previous_paid_through()->CopyFrom(stored.paid_through_date());
  } else {
    c.clear_previous_paid_through();
  }
  PARITRANA_ASSIGN_OR_RETURN(int64_t id, tx_.NextId("contribution"));
  c.set_name(absl::StrCat(stored.name(), "/contributions/c", id));
  return c;
}

std::string Writer::NikHash(const std::string& nik) {
  auto [it, inserted] = nik_hashes_.try_emplace(nik);
  if (inserted) it->second = vault_.LookupHash(nik);
  return it->second;
}

absl::Status Writer::PrefetchPersons(std::span<const v1::Participant* const> participants,
                                     std::span<const v1::Enrollment* const> enrollments) {
  std::vector<std::string> names, hashes;
  std::set<std::string> regions, employers;
  for (const v1::Participant* p : participants) {
    names.push_back(p->name());
    hashes.push_back(NikHash(p->nik()));
    regions.insert(p->domicile_region());
  }
  for (const v1::Enrollment* e : enrollments) {
    regions.insert(e->region());
    if (!e->employer().empty()) employers.insert(e->employer());
  }
  const std::vector<std::string> region_list(regions.begin(), regions.end());
  const std::vector<std::string> employer_list(employers.begin(), employers.end());
  PARITRANA_RETURN_IF_ERROR(tx_.Prefetch(Kind::kRegion, region_list));
  PARITRANA_RETURN_IF_ERROR(tx_.Prefetch(Kind::kEmployer, employer_list));
  PARITRANA_RETURN_IF_ERROR(tx_.Prefetch(Kind::kParticipant, names));
  return tx_.PrefetchNiks(hashes);
}

absl::StatusOr<std::optional<Outcome>> Writer::CreateNewPerson(
    const v1::Participant& participant, const v1::Enrollment& enrollment,
    const v1::Contribution* contribution) {
  // Checks, no writes: anything unusual goes the general way.
  for (const std::string* region : {&participant.domicile_region(), &enrollment.region()}) {
    PARITRANA_ASSIGN_OR_RETURN(bool exists, Exists(Kind::kRegion, *region));
    if (!exists) return std::nullopt;
  }
  if (!enrollment.employer().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(bool exists, Exists(Kind::kEmployer, enrollment.employer()));
    if (!exists) return std::nullopt;
  }
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                             tx_.Get(Kind::kParticipant, participant.name()));
  if (stored.has_value()) return std::nullopt;
  const std::string hash = NikHash(participant.nik());
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> holder, tx_.ParticipantByNikHash(hash));
  if (holder.has_value()) return std::nullopt;
  v1::Enrollment first = enrollment;
  first.set_name(absl::StrCat(participant.name(), "/enrollments/e0"));  // named in errors only
  first.set_state(v1::ENROLLMENT_STATE_ACTIVE);
  first.clear_paid_through_date();
  if (contribution != nullptr && !CheckExtends(first, *contribution).ok()) return std::nullopt;

  // Writes: the same records PutParticipant, PutEnrollment and AddContribution would leave.
  v1::Participant p = StoredForm(participant);
  PARITRANA_RETURN_IF_ERROR(Insert(Kind::kParticipant, p, "", p.domicile_region()));
  PARITRANA_RETURN_IF_ERROR(tx_.InsertNik(hash, vault_.Seal(participant.nik()), p.name()));
  PARITRANA_ASSIGN_OR_RETURN(v1::Enrollment e, NewEnrollment(p.name(), enrollment));
  if (enrollment.has_end_date()) {  // a migrated history: terminated once the contribution applies
    e.set_state(v1::ENROLLMENT_STATE_TERMINATED);
    *e.mutable_end_date() = enrollment.end_date();
  }
  if (contribution == nullptr) {
    PARITRANA_RETURN_IF_ERROR(Insert(Kind::kEnrollment, e, p.name(), e.region()));
    return Outcome::kCreated;
  }
  PARITRANA_ASSIGN_OR_RETURN(v1::Contribution c, NewContribution(e, *contribution));
  e.mutable_paid_through_date()->CopyFrom(contribution->covers_through());
  PARITRANA_RETURN_IF_ERROR(Insert(Kind::kEnrollment, e, p.name(), e.region()));
  PARITRANA_RETURN_IF_ERROR(Insert(Kind::kContribution, c, e.name(), e.region()));
  const EnrollmentSpan span = SpanOf(e);
  Touch(e.region());
  PARITRANA_RETURN_IF_ERROR(tx_.PutSpan(span));
  PARITRANA_RETURN_IF_ERROR(tx_.AddDeltas(PersonDeltas({}, std::span(&span, 1))));
  return Outcome::kCreated;
}

absl::StatusOr<Written<v1::Enrollment>> Writer::PutEnrollment(const std::string& participant,
                                                              const v1::Enrollment& input,
                                                              bool create_only) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<std::string> person,
                             tx_.Get(Kind::kParticipant, participant));
  if (!person.has_value()) return NotFoundAt("parent", participant);
  PARITRANA_RETURN_IF_ERROR(RequireRegion(input.region(), "enrollment.region"));
  if (!input.employer().empty()) {
    PARITRANA_ASSIGN_OR_RETURN(bool employer, Exists(Kind::kEmployer, input.employer()));
    if (!employer) return NotFoundAt("enrollment.employer", input.employer());
  }
  v1::Enrollment e = input;
  std::sort(e.mutable_programmes()->begin(), e.mutable_programmes()->end());

  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::Enrollment> existing,
                             LoadAll<v1::Enrollment>(tx_, Kind::kEnrollment, participant));
  for (const v1::Enrollment& s : existing) {
    if (s.segment() != e.segment() || s.employer() != e.employer() ||
        !MessageDifferencer::Equals(s.start_date(), e.start_date())) {
      continue;
    }
    if (create_only) {
      return AlreadyExists(
          s.name(), "enrollment",
          absl::StrCat(s.name(), " has the same segment, employer and start_date"));
    }
    const std::pair<bool, const char*> checks[] = {
        {std::equal(s.programmes().begin(), s.programmes().end(), e.programmes().begin(),
                    e.programmes().end()),
         "enrollment.programmes"},
        {s.region() == e.region(), "enrollment.region"},
        {s.funding_source() == e.funding_source(), "enrollment.funding_source"},
        {s.subsidy_scheme() == e.subsidy_scheme(), "enrollment.subsidy_scheme"},
    };
    for (const auto& [same, field] : checks) {
      if (!same) {
        return FieldError(absl::StatusCode::kFailedPrecondition, "IMMUTABLE_FIELD", field,
                          absl::StrCat("differs from the stored enrollment ", s.name(),
                                       "; enrollments are immutable"));
      }
    }
    return Written<v1::Enrollment>{s, Outcome::kUnchanged};
  }

  PARITRANA_ASSIGN_OR_RETURN(e, NewEnrollment(participant, input));
  PARITRANA_RETURN_IF_ERROR(Insert(Kind::kEnrollment, e, participant, e.region()));
  return Written<v1::Enrollment>{e, Outcome::kCreated};
}

absl::StatusOr<Written<v1::Contribution>> Writer::AddContribution(const std::string& enrollment,
                                                                  const v1::Contribution& input,
                                                                  bool skip_if_recorded) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Enrollment> stored,
                             Load<v1::Enrollment>(tx_, Kind::kEnrollment, enrollment));
  if (!stored.has_value()) return NotFoundAt("parent", enrollment);
  absl::Status extends = CheckExtends(*stored, input);
  // One that extends the paid-through date cannot equal a recorded one, which all cover no later
  // than that date: the recorded ones are read only for a posting that does not extend it.
  if (!extends.ok() && skip_if_recorded) {
    PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::Contribution> recorded,
                               LoadAll<v1::Contribution>(tx_, Kind::kContribution, enrollment));
    for (const v1::Contribution& c : recorded) {
      if (c.amount_rupiah() == input.amount_rupiah() &&
          MessageDifferencer::Equals(c.paid_date(), input.paid_date()) &&
          MessageDifferencer::Equals(c.covers_through(), input.covers_through())) {
        return Written<v1::Contribution>{c, Outcome::kUnchanged};
      }
    }
  }
  PARITRANA_RETURN_IF_ERROR(extends);
  // Every check has passed; from here on only the store can fail, and then the whole transaction
  // does (the importer applies postings without a savepoint on that account).
  PARITRANA_ASSIGN_OR_RETURN(v1::Contribution c, NewContribution(*stored, input));
  PARITRANA_RETURN_IF_ERROR(Insert(Kind::kContribution, c, enrollment, stored->region()));

  v1::Enrollment after = *stored;
  after.mutable_paid_through_date()->CopyFrom(input.covers_through());
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kEnrollment, after, after.region()));
  PARITRANA_RETURN_IF_ERROR(
      RecountPerson(enrollment.substr(0, enrollment.find("/enrollments/")), *stored, after));
  return Written<v1::Contribution>{c, Outcome::kCreated};
}

absl::StatusOr<Written<v1::Enrollment>> Writer::Terminate(const std::string& enrollment,
                                                          absl::CivilDay end_date) {
  PARITRANA_ASSIGN_OR_RETURN(std::optional<v1::Enrollment> stored,
                             Load<v1::Enrollment>(tx_, Kind::kEnrollment, enrollment));
  if (!stored.has_value()) return NotFoundAt("name", enrollment);
  if (stored->state() == v1::ENROLLMENT_STATE_TERMINATED) {
    if (Day(stored->end_date()) == end_date) {
      return Written<v1::Enrollment>{*stored, Outcome::kUnchanged};
    }
    return FieldError(absl::StatusCode::kFailedPrecondition, "ENROLLMENT_TERMINATED", "end_date",
                      "the enrollment is already terminated with another end_date");
  }
  if (end_date < Day(stored->start_date())) {
    return FieldError(absl::StatusCode::kInvalidArgument, "INVALID_FIELDS", "end_date",
                      "must not be earlier than the enrollment's start_date");
  }
  v1::Enrollment after = *stored;
  after.set_state(v1::ENROLLMENT_STATE_TERMINATED);
  *after.mutable_end_date() = ToProtoDate(end_date);
  PARITRANA_RETURN_IF_ERROR(Replace(Kind::kEnrollment, after, after.region()));
  PARITRANA_RETURN_IF_ERROR(
      RecountPerson(enrollment.substr(0, enrollment.find("/enrollments/")), *stored, after));
  return Written<v1::Enrollment>{after, Outcome::kUpdated};
}

absl::Status Writer::RecountPerson(const std::string& participant, const v1::Enrollment& before,
                                   const v1::Enrollment& after) {
  PARITRANA_ASSIGN_OR_RETURN(std::vector<v1::Enrollment> all,
                             LoadAll<v1::Enrollment>(tx_, Kind::kEnrollment, participant));
  std::vector<EnrollmentSpan> old_spans, new_spans;
  for (const v1::Enrollment& e : all) {
    const bool changed = e.name() == after.name();
    old_spans.push_back(SpanOf(changed ? before : e));
    new_spans.push_back(SpanOf(changed ? after : e));
  }
  // The enrollment's own span changed, so its district's and village's counts may have even
  // when the person's province and regency/city counts (the deltas) did not.
  Touch(after.region());
  PARITRANA_RETURN_IF_ERROR(tx_.PutSpan(SpanOf(after)));
  return tx_.AddDeltas(PersonDeltas(old_spans, new_spans));
}

}  // namespace paritrana::registry
