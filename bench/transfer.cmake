# transfer/: leaf hashing (the cost every copied byte pays) and copy planning.
add_executable(bench_transfer ${CMAKE_CURRENT_SOURCE_DIR}/bench_transfer.cpp)
target_link_libraries(bench_transfer PRIVATE mm_transfer benchmark::benchmark)
target_include_directories(bench_transfer PRIVATE ${PROJECT_SOURCE_DIR})

# The target disk's write ceiling for bench/compare-copy.
add_executable(bench_write_ceiling ${CMAKE_CURRENT_SOURCE_DIR}/write_ceiling.cpp)
target_link_libraries(bench_write_ceiling PRIVATE PkgConfig::URING)
