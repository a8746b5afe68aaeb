use clap::Parser;

fn main() {
    kelastat::memory::configure();
    let cli = kelastat::cli::Cli::parse();
    kelastat::logging::init(cli.log_format);
    std::process::exit(kelastat::exit::execute(cli));
}
