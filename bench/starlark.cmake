# Placement scriptlets: one placement script over 10,000 instance records.
add_executable(bench_starlark ${CMAKE_CURRENT_SOURCE_DIR}/bench_starlark.cpp)
target_include_directories(bench_starlark PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_starlark PRIVATE mm_starlark benchmark::benchmark)
