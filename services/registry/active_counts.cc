#include "services/registry/active_counts.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace paritrana::registry {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

using Interval = std::pair<int64_t, int64_t>;  // inclusive days

// Every key an enrollment counts in, in `region`.
void AddKeys(const EnrollmentSpan& span, const std::string& region,
             std::vector<AggregateKey>& keys) {
  keys.push_back({region, 0, 0, 0, ""});
  keys.push_back({region, span.segment, 0, 0, ""});
  for (int p : span.programmes) keys.push_back({region, span.segment, p, 0, ""});
  keys.push_back({region, span.segment, 0, span.funding, span.scheme});
}

// Every key an enrollment counts in at the delta levels: its province and regency/city.
std::vector<AggregateKey> KeysOf(const EnrollmentSpan& span) {
  std::vector<AggregateKey> keys;
  std::vector<std::string> regions = RegionAndAncestors(span.region);
  if (regions.size() > kDeltaLevels) regions.resize(kDeltaLevels);
  for (const std::string& region : regions) AddKeys(span, region, keys);
  return keys;
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

// Per key, +1 where a union of intervals starts and -1 the day after it ends.
std::map<std::pair<AggregateKey, int64_t>, int64_t> Events(std::span<const EnrollmentSpan> spans) {
  std::map<AggregateKey, std::vector<Interval>> intervals;
  for (const EnrollmentSpan& span : spans) {
    if (span.last_day < span.first_day) continue;
    for (AggregateKey& key : KeysOf(span)) {
      intervals[std::move(key)].emplace_back(span.first_day, span.last_day);
    }
  }
  std::map<std::pair<AggregateKey, int64_t>, int64_t> events;
  for (auto& [key, list] : intervals) {
    std::sort(list.begin(), list.end());
    int64_t start = list[0].first, end = list[0].second;
    // `key` is captured explicitly: clang before 16 cannot capture structured bindings.
    auto emit = [&, &key = key] {
      events[{key, start}] += 1;
      events[{key, end + 1}] -= 1;
    };
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i].first <= end + 1) {  // overlapping or adjacent: the same stretch of activity
        end = std::max(end, list[i].second);
      } else {
        emit();
        start = list[i].first;
        end = list[i].second;
      }
    }
    emit();
  }
  return events;
}

}  // namespace

int64_t DayNumber(absl::CivilDay day) { return day - kEpoch; }

absl::CivilDay DayFromNumber(int64_t day) { return kEpoch + day; }

EnrollmentSpan SpanOf(const v1::Enrollment& e) {
  EnrollmentSpan span;
  span.region = e.region().substr(e.region().find('/') + 1);
  std::tie(span.person, span.enrollment) = PersonAndEnrollment(e.name());
  span.segment = e.segment();
  for (int p : e.programmes()) span.programmes.push_back(p);
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

std::vector<AggregateCount> CountSpansOn(const std::string& region,
                                         std::span<const EnrollmentSpan> spans, int64_t day) {
  std::map<int64_t, std::vector<AggregateKey>> keys_by_person;
  for (const EnrollmentSpan& span : spans) {
    if (span.first_day <= day && day <= span.last_day) {
      AddKeys(span, region, keys_by_person[span.person]);
    }
  }
  std::map<AggregateKey, int64_t> counts;
  for (auto& [person, keys] : keys_by_person) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const AggregateKey& key : keys) ++counts[key];
  }
  std::vector<AggregateCount> out;
  for (const auto& [key, active] : counts) out.push_back({key, active});
  return out;
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
