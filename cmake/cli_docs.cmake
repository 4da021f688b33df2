# Script mode (cli/CMakeLists.txt runs it after lpconform is linked): the bash completion and the
# man page, both from the CLI itself so they never drift from --help.
#   cmake -DLPC=bin/lpconform -DOUT_DIR=share [-DHELP2MAN=/usr/bin/help2man] -P cli_docs.cmake
# Writes OUT_DIR/lpconform.bash (`lpconform completion bash`) and, when HELP2MAN is given,
# OUT_DIR/lpconform.1: help2man on `lpconform --help` and `--version`, with a COMMANDS section
# holding the --help of every subcommand (`lpconform completion commands`).
execute_process(COMMAND "${LPC}" completion bash OUTPUT_FILE "${OUT_DIR}/lpconform.bash" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lpconform completion bash failed: ${rc}")
endif()
if(NOT HELP2MAN)
  return()
endif()
execute_process(COMMAND "${LPC}" completion commands OUTPUT_VARIABLE commands RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lpconform completion commands failed: ${rc}")
endif()
string(REPLACE "\n" ";" commands "${commands}")
set(include "[COMMANDS]\nEach command's own --help; every command takes --help.\n")
foreach(command IN LISTS commands)
  if(command STREQUAL "")
    continue()
  endif()
  string(REPLACE " " ";" words "${command}")
  execute_process(COMMAND "${LPC}" ${words} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lpconform ${command} --help failed: ${rc}")
  endif()
  # roff: a backslash is \e; a line starting with '.' or '\'' would be a request.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND include ".SS \"lpconform ${command}\"\n.nf\n${help}.fi\n")
endforeach()
string(APPEND include "[SEE ALSO]\nThe README and spec/ of the source tree; reports/README.md for the report files and their schema.\n")
file(WRITE "${OUT_DIR}/lpconform.h2m" "${include}")
execute_process(COMMAND "${HELP2MAN}" --no-info --no-discard-stderr --section=1
                        "--name=verification and benchmark conformance suite for low-precision ML arithmetic"
                        "--include=${OUT_DIR}/lpconform.h2m" "--output=${OUT_DIR}/lpconform.1" "${LPC}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed: ${rc}")
endif()
