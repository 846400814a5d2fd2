# Writes the inputs of the example_*_error tests into DIR, at test time: an empty corpus, a
# corpus of one distinct character, a text file given as a checkpoint, and a regular file where
# the tests name a directory (which blocks writing even for root, unlike a read-only mode); and
# makes sure a missing corpus is.
if(NOT DIR)
  message(FATAL_ERROR "usage: cmake -DDIR=<directory> -P make_error_fixtures.cmake")
endif()
file(MAKE_DIRECTORY "${DIR}")
file(WRITE "${DIR}/empty_corpus.txt" "")
string(REPEAT "a" 2000 one_character)
file(WRITE "${DIR}/one_character_corpus.txt" "${one_character}")
file(WRITE "${DIR}/not_a_directory" "a regular file\n")
file(WRITE "${DIR}/not_a_checkpoint.safetensors" "this is text, not a safetensors file\n")
file(REMOVE "${DIR}/missing_corpus.txt")
