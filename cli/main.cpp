// lpconform's entry point; the command line itself is lpc::cli::run_command_line (app.cpp).
#include "cli/app.hpp"

int main(int argc, char** argv) { return lpc::cli::run_command_line(argc, argv); }
