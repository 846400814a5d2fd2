# Passes if a command fails the way a user should see it fail: a non-zero exit status (not a
# crash), and exactly one line on stderr, equal to EXPECT.
#
#   cmake -DEXPECT=<message> -P expect_error.cmake -- <program> <arguments>...
#
# (ctest alone cannot check both: with PASS_REGULAR_EXPRESSION it ignores the exit status.)
# The command's arguments travel as a CMake list, so none of them may contain a ';'.
set(command "")
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
if(NOT command OR NOT DEFINED EXPECT)
  message(FATAL_ERROR "usage: cmake -DEXPECT=<message> -P expect_error.cmake -- <command>...")
endif()

execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "\n$" "" message "${err}")
set(report "command: ${command}\nexit status: ${status}\nstderr:\n${err}\nexpected on stderr:\n${EXPECT}")
if(NOT status MATCHES "^[0-9]+$")
  message(FATAL_ERROR "the program crashed\n${report}")
elseif(status EQUAL 0)
  message(FATAL_ERROR "the program succeeded, an error was expected\n${report}")
elseif(message MATCHES "\n")
  message(FATAL_ERROR "more than one line on stderr\n${report}")
elseif(NOT message STREQUAL EXPECT)
  message(FATAL_ERROR "not the expected message\n${report}")
endif()
message(STATUS "exit status ${status}: ${message}")
