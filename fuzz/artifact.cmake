# Artifact uploads: the metadata body and the uploaded file's tar listing / ISO header.
mm_add_fuzzer(fuzz_artifact SOURCES ${CMAKE_CURRENT_LIST_DIR}/artifact_fuzz.cpp LIBS mm_artifacts)
