//! `pxgate completions` and `pxgate man`: shell completion scripts (clap_complete) and manual pages
//! (clap_mangen) generated from the clap definitions in [`super::Cli`], so they cannot drift from
//! what the parser accepts.
//!
//! Must not know: the admin API, the configuration or the store.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use clap_complete::Shell;
use clap_mangen::Man;

use super::Cli;

/// The command's name, which the completion scripts complete and every page's footer names.
const BIN: &str = "pxgate";

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    // clap_complete panics when its writer fails (`pxgate completions bash | head`); the script is
    // rendered in memory so that a failed write is an error like any other.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    out.write_all(&script)
}

/// Writes the pxgate(1) page, which lists the subcommands, to `out`.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    page(command()).render(out)
}

/// Writes pxgate.1 and one page per subcommand at every depth (pxgate-serve.1, pxgate-admin.1,
/// pxgate-admin-accounts.1, …) into `dir`, creating it if needed, and returns the files written.
pub fn man_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    write_pages(command(), dir, &mut written)?;
    Ok(written)
}

/// Writes the page of `cmd`, then those of its subcommands.
fn write_pages(cmd: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> io::Result<()> {
    let subcommands: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    written.push(page(cmd).generate_to(dir)?);
    for sub in subcommands {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

/// The page of `cmd`, its footer naming pxgate and its version (a subcommand has none of its own).
fn page(cmd: clap::Command) -> Man {
    Man::new(cmd).source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
}

/// The command as the pages describe it: built, so that every subcommand carries its full name
/// (`pxgate-admin-accounts`, the page's title and file name), and without the `help` subcommand,
/// which needs no page of its own.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}
