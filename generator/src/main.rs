fn main() -> std::process::ExitCode {
    specforge::cli::main()
}
