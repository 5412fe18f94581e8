#include "region/region_catalog.h"

#include <algorithm>
#include <array>

namespace paritrana {
namespace {

constexpr std::array<CatalogRegion, 38> kProvinces = {{
    {"11", "Aceh", "11"},
    {"12", "Sumatera Utara", "12"},
    {"13", "Sumatera Barat", "13"},
    {"14", "Riau", "14"},
    {"15", "Jambi", "15"},
    {"16", "Sumatera Selatan", "16"},
    {"17", "Bengkulu", "17"},
    {"18", "Lampung", "18"},
    {"19", "Kepulauan Bangka Belitung", "19"},
    {"21", "Kepulauan Riau", "21"},
    {"31", "DKI Jakarta", "31"},
    {"32", "Jawa Barat", "32"},
    {"33", "Jawa Tengah", "33"},
    {"34", "DI Yogyakarta", "34"},
    {"35", "Jawa Timur", "35"},
    {"36", "Banten", "36"},
    {"51", "Bali", "51"},
    {"52", "Nusa Tenggara Barat", "52"},
    {"53", "Nusa Tenggara Timur", "53"},
    {"61", "Kalimantan Barat", "61"},
    {"62", "Kalimantan Tengah", "62"},
    {"63", "Kalimantan Selatan", "63"},
    {"64", "Kalimantan Timur", "64"},
    {"65", "Kalimantan Utara", "65"},
    {"71", "Sulawesi Utara", "71"},
    {"72", "Sulawesi Tengah", "72"},
    {"73", "Sulawesi Selatan", "73"},
    {"74", "Sulawesi Tenggara", "74"},
    {"75", "Gorontalo", "75"},
    {"76", "Sulawesi Barat", "76"},
    {"81", "Maluku", "81"},
    {"82", "Maluku Utara", "82"},
    {"91", "Papua", "91"},
    {"92", "Papua Barat", "92"},
    {"93", "Papua Selatan", "93"},
    {"94", "Papua Tengah", "94"},
    {"95", "Papua Pegunungan", "95"},
    {"96", "Papua Barat Daya", "96"},
}};

// Jambi (domain.md): four regencies carry BPS codes that differ from their Kemendagri order.
constexpr std::array<CatalogRegion, 11> kRegencies = {{
    {"15.01", "Kabupaten Kerinci", "1501"},
    {"15.02", "Kabupaten Merangin", "1502"},
    {"15.03", "Kabupaten Sarolangun", "1503"},
    {"15.04", "Kabupaten Batanghari", "1504"},
    {"15.05", "Kabupaten Muaro Jambi", "1505"},
    {"15.06", "Kabupaten Tanjung Jabung Barat", "1507"},
    {"15.07", "Kabupaten Tanjung Jabung Timur", "1506"},
    {"15.08", "Kabupaten Bungo", "1509"},
    {"15.09", "Kabupaten Tebo", "1508"},
    {"15.71", "Kota Jambi", "1571"},
    {"15.72", "Kota Sungai Penuh", "1572"},
}};

}  // namespace

std::span<const CatalogRegion> Provinces() { return kProvinces; }

std::span<const CatalogRegion> CatalogRegencies() { return kRegencies; }

bool IsKnownProvince(absl::string_view code) {
  return std::any_of(kProvinces.begin(), kProvinces.end(),
                     [&](const CatalogRegion& p) { return p.code == code; });
}

}  // namespace paritrana
