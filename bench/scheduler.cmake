# The scheduler at scale: one tick and the queue list over 10,000 queued instances.
add_executable(bench_scheduler ${CMAKE_CURRENT_SOURCE_DIR}/bench_scheduler.cpp)
target_include_directories(bench_scheduler PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_scheduler PRIVATE mm_migration mm_api benchmark::benchmark)
