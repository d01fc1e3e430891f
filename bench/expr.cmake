# Include expressions: one expression over 10,000 instance records.
add_executable(bench_expr ${CMAKE_CURRENT_SOURCE_DIR}/bench_expr.cpp)
target_include_directories(bench_expr PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_expr PRIVATE mm_expr benchmark::benchmark)
