#include "services/registry/active_counts.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace paritrana::registry {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

// One dimension combination, as it appears in a profile: "segment:programme,...:funding:scheme".
std::string Combination(const EnrollmentSpan& span) {
  return absl::StrCat(span.segment, ":", absl::StrJoin(span.programmes, ","), ":", span.funding,
                      ":", span.scheme);
}

// Adds the keys one combination counts in.
void AddKeys(absl::string_view combination, std::set<CountKey>& keys) {
  std::vector<std::string> parts = absl::StrSplit(combination, absl::MaxSplits(':', 3));
  int segment = 0, funding = 0;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[0], &segment) ||
      !absl::SimpleAtoi(parts[2], &funding)) {
    return;  // not written by Combination: nothing to count
  }
  keys.insert({0, 0, 0, ""});
  keys.insert({segment, 0, 0, ""});
  for (absl::string_view p : absl::StrSplit(parts[1], ',', absl::SkipEmpty())) {
    int programme = 0;
    if (absl::SimpleAtoi(p, &programme)) keys.insert({segment, programme, 0, ""});
  }
  keys.insert({segment, 0, funding, parts[3]});
}

// The keys of a profile (combinations joined by ';').
std::set<CountKey> KeysOfProfile(absl::string_view profile) {
  std::set<CountKey> keys;
  for (absl::string_view c : absl::StrSplit(profile, ';', absl::SkipEmpty())) AddKeys(c, keys);
  return keys;
}

// Per region at the delta levels, and per employer from the spans of the person's enrollments
// with it, +1 where a profile starts and -1 where it ends.
std::map<std::pair<AggregateKey, int64_t>, int64_t> Events(std::span<const EnrollmentSpan> spans) {
  std::map<std::string, std::vector<const EnrollmentSpan*>> by_region;
  for (const EnrollmentSpan& span : spans) {
    if (span.last_day < span.first_day) continue;
    std::vector<std::string> regions = RegionAndAncestors(span.region);
    if (regions.size() > kDeltaLevels) regions.resize(kDeltaLevels);
    for (const std::string& region : regions) by_region[region].push_back(&span);
    // An employer's name ("employers/{npp}") is no region code, so the keys never meet.
    if (!span.employer.empty()) by_region[span.employer].push_back(&span);
  }
  std::map<std::pair<AggregateKey, int64_t>, int64_t> events;
  for (const auto& [region, list] : by_region) {
    // The profile is constant between consecutive boundaries (a start, or the day after an end).
    std::set<int64_t> boundaries;
    for (const EnrollmentSpan* s : list) {
      boundaries.insert(s->first_day);
      boundaries.insert(s->last_day + 1);
    }
    std::string current;
    for (int64_t day : boundaries) {
      std::set<std::string> active;
      for (const EnrollmentSpan* s : list) {
        if (s->first_day <= day && day <= s->last_day) active.insert(Combination(*s));
      }
      std::string profile = absl::StrJoin(active, ";");
      if (profile == current) continue;
      if (!current.empty()) events[{{region, current}, day}] -= 1;
      if (!profile.empty()) events[{{region, profile}, day}] += 1;
      current = std::move(profile);
    }
  }
  return events;
}

// "participants/{kpj}/enrollments/e{id}" -> {kpj, id}; zeros if the name is not one.
std::pair<int64_t, int64_t> PersonAndEnrollment(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  int64_t person = 0, id = 0;
  if (parts.size() == 4 && absl::SimpleAtoi(parts[1], &person) && !parts[3].empty() &&
      absl::SimpleAtoi(parts[3].substr(1), &id)) {
    return {person, id};
  }
  return {0, 0};
}

}  // namespace

int64_t DayNumber(absl::CivilDay day) { return day - kEpoch; }

absl::CivilDay DayFromNumber(int64_t day) { return kEpoch + day; }

EnrollmentSpan SpanOf(const v1::Enrollment& e) {
  EnrollmentSpan span;
  span.region = e.region().substr(e.region().find('/') + 1);
  std::tie(span.person, span.enrollment) = PersonAndEnrollment(e.name());
  span.employer = e.employer();
  span.segment = e.segment();
  for (int p : e.programmes()) span.programmes.push_back(p);
  std::sort(span.programmes.begin(), span.programmes.end());
  span.funding = e.funding_source();
  span.scheme = e.subsidy_scheme();
  auto day = [](const google::type::Date& d) {
    return DayNumber(absl::CivilDay(d.year(), d.month(), d.day()));
  };
  span.first_day = day(e.start_date());
  if (!e.has_paid_through_date()) return span;  // last_day stays before first_day
  span.last_day = day(e.paid_through_date());
  if (e.has_end_date()) span.last_day = std::min(span.last_day, day(e.end_date()) - 1);
  return span;
}

std::vector<AggregateDelta> PersonDeltas(std::span<const EnrollmentSpan> before,
                                         std::span<const EnrollmentSpan> after) {
  auto events = Events(after);
  for (const auto& [key_day, delta] : Events(before)) events[key_day] -= delta;
  std::vector<AggregateDelta> out;
  for (const auto& [key_day, delta] : events) {
    if (delta != 0) out.push_back({key_day.first, key_day.second, delta});
  }
  return out;
}

Counts CountsOfProfiles(std::span<const AggregateCount> profiles) {
  Counts counts;
  for (const AggregateCount& c : profiles) {
    for (const CountKey& key : KeysOfProfile(c.key.profile)) counts[key] += c.active;
  }
  std::erase_if(counts, [](const auto& entry) { return entry.second == 0; });
  return counts;
}

int64_t CountHolding(std::span<const AggregateCount> profiles, int segment,
                     std::span<const int> programmes) {
  int64_t holding = 0;
  for (const AggregateCount& c : profiles) {
    std::set<CountKey> keys = KeysOfProfile(c.key.profile);
    const bool all = std::all_of(programmes.begin(), programmes.end(), [&](int programme) {
      return keys.contains(CountKey{segment, programme, 0, ""});
    });
    if (all) holding += c.active;
  }
  return holding;
}

Counts CountSpansOn(std::span<const EnrollmentSpan> spans, int64_t day) {
  // Most people have one span: their keys are counted directly, and only a person with several
  // is deduplicated through a set.
  std::map<int64_t, std::vector<const EnrollmentSpan*>> by_person;
  for (const EnrollmentSpan& span : spans) {
    if (span.first_day <= day && day <= span.last_day) by_person[span.person].push_back(&span);
  }
  Counts counts;
  auto keys_of = [](const EnrollmentSpan& s, auto&& add) {
    add(CountKey{0, 0, 0, ""});
    add(CountKey{s.segment, 0, 0, ""});
    for (int p : s.programmes) add(CountKey{s.segment, p, 0, ""});
    add(CountKey{s.segment, 0, s.funding, s.scheme});
  };
  for (const auto& [person, list] : by_person) {
    if (list.size() == 1) {
      keys_of(*list[0], [&](CountKey key) { ++counts[std::move(key)]; });
      continue;
    }
    std::set<CountKey> keys;
    for (const EnrollmentSpan* s : list) {
      keys_of(*s, [&](CountKey key) { keys.insert(std::move(key)); });
    }
    for (const CountKey& key : keys) ++counts[key];
  }
  return counts;
}

bool HasDeltas(absl::string_view code) {
  return std::count(code.begin(), code.end(), '.') < kDeltaLevels;
}

std::vector<std::string> RegionAndAncestors(const std::string& code) {
  std::vector<std::string> out;
  for (size_t dot = code.find('.'); dot != std::string::npos; dot = code.find('.', dot + 1)) {
    out.push_back(code.substr(0, dot));
  }
  out.push_back(code);
  return out;
}

}  // namespace paritrana::registry
