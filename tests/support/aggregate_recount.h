#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "paritrana/registry/v1/resources.pb.h"

// The brute-force check of the registry's counts, shared by the tests that compare them: what
// QueryAggregates should answer, recounted from every stored enrollment, and an answer flattened
// to the same keys ("total", "seg1", "seg1/prog2", "seg1/fund1:SCHEME").
namespace paritrana::test_support {

// Key -> the participants counted under it.
using RecountedPersons = std::map<std::string, std::set<std::string>>;

// By region code ("15.08", no "regions/"), then day: the participants of `enrollments` active on
// each of `days` in the region or below it.
std::map<std::string, std::map<absl::CivilDay, RecountedPersons>> Recount(
    const std::vector<registry::v1::Enrollment>& enrollments,
    const std::vector<absl::CivilDay>& days);

// Non-zero counts only, keyed as above.
std::map<std::string, int64_t> CountsOf(const registry::v1::RegionAggregate& aggregate);
std::map<std::string, int64_t> CountsOf(const RecountedPersons& persons);

}  // namespace paritrana::test_support
