#include "tests/support/aggregate_recount.h"

#include "absl/strings/str_cat.h"
#include "services/registry/active_counts.h"

namespace paritrana::test_support {
namespace {

absl::CivilDay Day(const google::type::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

}  // namespace

std::map<std::string, std::map<absl::CivilDay, RecountedPersons>> Recount(
    const std::vector<registry::v1::Enrollment>& enrollments,
    const std::vector<absl::CivilDay>& days) {
  std::map<std::string, std::map<absl::CivilDay, RecountedPersons>> expected;
  for (const registry::v1::Enrollment& e : enrollments) {
    if (!e.has_paid_through_date()) continue;
    const std::string person = e.name().substr(0, e.name().find("/enrollments/"));
    for (absl::CivilDay day : days) {
      const bool active = Day(e.start_date()) <= day && day <= Day(e.paid_through_date()) &&
                          (!e.has_end_date() || day < Day(e.end_date()));
      if (!active) continue;
      for (const std::string& region : registry::RegionAndAncestors(e.region().substr(8))) {
        RecountedPersons& c = expected[region][day];
        c["total"].insert(person);
        c[absl::StrCat("seg", e.segment())].insert(person);
        for (int p : e.programmes()) c[absl::StrCat("seg", e.segment(), "/prog", p)].insert(person);
        c[absl::StrCat("seg", e.segment(), "/fund", e.funding_source(), ":", e.subsidy_scheme())]
            .insert(person);
      }
    }
  }
  return expected;
}

std::map<std::string, int64_t> CountsOf(const registry::v1::RegionAggregate& aggregate) {
  std::map<std::string, int64_t> got;
  if (aggregate.active_persons() != 0) got["total"] = aggregate.active_persons();
  for (const auto& s : aggregate.segments()) {
    got[absl::StrCat("seg", s.segment())] = s.active_persons();
    for (const auto& p : s.programmes()) {
      got[absl::StrCat("seg", s.segment(), "/prog", p.programme())] = p.active_persons();
    }
    for (const auto& f : s.funding()) {
      got[absl::StrCat("seg", s.segment(), "/fund", f.funding_source(), ":", f.subsidy_scheme())] =
          f.active_persons();
    }
  }
  return got;
}

std::map<std::string, int64_t> CountsOf(const RecountedPersons& persons) {
  std::map<std::string, int64_t> counts;
  for (const auto& [key, people] : persons) counts[key] = static_cast<int64_t>(people.size());
  return counts;
}

}  // namespace paritrana::test_support
