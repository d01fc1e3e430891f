# mm_add_test(NAME <name> LABEL unit|integration SOURCES <files...> LIBS <targets...>)
# One GoogleTest executable; each of its test cases becomes a ctest test carrying LABEL, so that
# `ctest -L unit` selects the fast tests that the sanitizer pass runs.
include(GoogleTest)
find_package(GTest REQUIRED)

function(mm_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL)
    message(FATAL_ERROR "mm_add_test(${T_NAME}): LABEL unit|integration is required")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${T_NAME} PRIVATE MM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                               MM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(T_LABEL STREQUAL "unit")
    set_property(GLOBAL APPEND PROPERTY MM_UNIT_TEST_TARGETS ${T_NAME})
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
endfunction()
