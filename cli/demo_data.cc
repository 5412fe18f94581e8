#include "cli/demo_data.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/national_dataset.h"

namespace paritrana::cli {

absl::Status GenerateDemoRows(const DemoOptions& options,
                              const std::function<void(const registry::v1::ImportRow&)>& emit) {
  const bool national = options.national > 0;
  absl::StatusOr<bench::RegionTables> tables =
      options.region_catalog.empty()
          ? bench::RegionTables::SyntheticJambi(national ? 6 : 3, national ? 8 : 3)
          : bench::RegionTables::LoadCatalog(options.region_catalog, national ? "" : "15");
  if (!tables.ok()) return tables.status();
  bench::DatasetOptions o;
  o.shape = national ? bench::DatasetShape::kNational : bench::DatasetShape::kJambi;
  o.seed = options.seed;
  o.participants = national ? options.national
                            : static_cast<uint64_t>(std::llround(
                                  bench::NationalDataset::kJambiPersons * options.scale));
  o.region_rows = options.region_catalog.empty();
  if (o.participants > bench::NationalDataset::kMaxPersons) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", bench::NationalDataset::kMaxPersons,
                                                   " participants (NIKs would repeat)"));
  }
  const bench::NationalDataset data(*std::move(tables), o);
  const int64_t base = data.Skeleton(emit);
  std::vector<registry::v1::ParticipantEnrollment> person;
  registry::v1::ImportRow row;
  for (uint64_t i = 0; i < o.participants; ++i) {
    data.Person(i, person);
    for (size_t k = 0; k < person.size(); ++k) {
      row.set_row_number(bench::NationalDataset::RowNumber(base, i, static_cast<int>(k)));
      *row.mutable_participant_enrollment() = std::move(person[k]);
      emit(row);
    }
  }
  return absl::OkStatus();
}

}  // namespace paritrana::cli
