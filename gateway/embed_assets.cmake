# Turns the dashboard's files into a C++ source defining FindDashboardAsset()
# (gateway/dashboard_assets.h), run at build time by gateway/CMakeLists.txt:
#   cmake -DOUTPUT=dashboard_assets.cc "-DASSETS=/index.html=/path/index.html|/app.js=..." \
#         -P embed_assets.cmake
# ASSETS is a |-separated list of URL_PATH=FILE pairs (| rather than ; so the list survives being
# one command-line argument). Each file becomes a char array of '\xNN' literals, not a string
# literal: some compilers cap string literals at 65,535 characters and chart.umd.min.js is about
# 200 KB. The arrays are constexpr, so the table is constant-initialized (no static
# initialization order question) and costs nothing at startup.
cmake_minimum_required(VERSION 3.20)

if(NOT OUTPUT OR NOT ASSETS)
  message(FATAL_ERROR "embed_assets.cmake: pass -DOUTPUT=... and -DASSETS=PATH=FILE|...")
endif()

# The Content-Type of a URL path, by its extension.
function(content_type_of url out)
  if(url MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(url MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(url MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(url MATCHES "\\.svg$")
    set(type "image/svg+xml")
  elseif(url MATCHES "\\.png$")
    set(type "image/png")
  elseif(url MATCHES "\\.json$")
    set(type "application/json")
  elseif(url MATCHES "\\.txt$")
    set(type "text/plain; charset=utf-8")
  else()
    message(FATAL_ERROR "embed_assets.cmake: no content type known for ${url}")
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

string(REPLACE "|" ";" asset_list "${ASSETS}")
set(arrays "")
set(entries "")
set(index 0)
foreach(pair IN LISTS asset_list)
  string(FIND "${pair}" "=" eq)
  if(eq LESS 1)
    message(FATAL_ERROR "embed_assets.cmake: '${pair}' is not URL_PATH=FILE")
  endif()
  string(SUBSTRING "${pair}" 0 ${eq} url)
  math(EXPR file_start "${eq} + 1")
  string(SUBSTRING "${pair}" ${file_start} -1 file)
  if(NOT url MATCHES "^/[A-Za-z0-9._/-]+$")
    message(FATAL_ERROR "embed_assets.cmake: bad URL path '${url}'")
  endif()
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "embed_assets.cmake: ${file} (served as ${url}) does not exist. "
                        "The dashboard's JavaScript libraries come from npm: run "
                        "`npm ci --prefix tools` (scripts/install_tools.sh) in the source tree.")
  endif()
  file(SIZE "${file}" size)
  if(size EQUAL 0)
    message(FATAL_ERROR "embed_assets.cmake: ${file} is empty")
  endif()
  content_type_of("${url}" type)
  file(READ "${file}" hex HEX)
  # 16 bytes a line: "aabb..." -> "'\xaa','\xbb',..." (CMake's regular expressions have no {16}).
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(REPEAT "'[^']+'," 16 sixteen)
  string(REGEX REPLACE "(${sixteen})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "// ${url}: ${file} (${size} bytes)\n"
                       "constexpr char kAsset${index}[] = {\n    ${bytes}};\n\n")
  string(APPEND entries "    {\"${url}\", \"${type}\", absl::string_view(kAsset${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()

string(CONCAT source
  "// Generated at build time by gateway/embed_assets.cmake from the dashboard's files and\n"
  "// the JavaScript libraries installed from npm. Do not edit: edit gateway/dashboard/.\n"
  "#include \"gateway/dashboard_assets.h\"\n\n"
  "namespace paritrana::gateway {\n"
  "namespace {\n\n"
  "${arrays}"
  "constexpr Asset kAssets[] = {\n${entries}};\n\n"
  "}  // namespace\n\n"
  "const Asset* FindDashboardAsset(absl::string_view path) {\n"
  "  for (const Asset& asset : kAssets) {\n"
  "    if (asset.path == path) return &asset;\n"
  "  }\n"
  "  return nullptr;\n"
  "}\n\n"
  "}  // namespace paritrana::gateway\n")

file(WRITE "${OUTPUT}" "${source}")
