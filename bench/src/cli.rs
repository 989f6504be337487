//! The command line the binaries share: `--reps R`, `--n N`, `--only NAME`
//! (repeatable), `-h`/`--help`, and positional words (metric names and the
//! like) that each binary reads its own way.
//!
//! Each binary keeps its usage text, its words and its defaults; [`parse`]
//! only splits the arguments, in order, the way every binary always has: an
//! option takes the next argument as its value whatever it looks like, `-h`
//! prints the usage and stops at once, and a word goes to the binary as soon
//! as it is met (so a bad word is reported before anything after it).

use std::num::ParseIntError;

/// An option that takes a value. One a binary does not take is a positional
/// word there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Opt {
    /// `--reps R`: rounds per measurement, at least 1.
    Reps,
    /// `--n N`: operations (or servers) per round.
    N,
    /// `--only NAME`: run only the implementations whose label contains NAME
    /// (repeatable; the baseline always runs).
    Only,
}

impl Opt {
    /// `--reps`, `--n` and `--only`: what `perf` and `mem` take.
    pub const ALL: [Opt; 3] = [Opt::Reps, Opt::N, Opt::Only];

    /// The option as written on the command line.
    pub fn flag(self) -> &'static str {
        match self {
            Opt::Reps => "--reps",
            Opt::N => "--n",
            Opt::Only => "--only",
        }
    }
}

/// The options given; `None` (or empty) where absent, so each binary applies
/// its own defaults.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Options {
    /// `--reps R` (the last one given), never 0.
    pub reps: Option<usize>,
    /// `--n N` (the last one given).
    pub n: Option<usize>,
    /// Every `--only NAME`, in order.
    pub only: Vec<String>,
}

impl Options {
    /// The indices of the `entries` to run: those whose label contains one
    /// of the `--only` names (all of them without `--only`), and always the
    /// baseline at `baseline`, which the ratio columns divide by.
    pub fn selected(&self, entries: &[crate::harness::Entry], baseline: usize) -> Vec<usize> {
        (0..entries.len())
            .filter(|&i| {
                i == baseline
                    || self.only.is_empty()
                    || self
                        .only
                        .iter()
                        .any(|o| entries[i].name.contains(o.as_str()))
            })
            .collect()
    }
}

/// A command line [`parse`] rejects.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Error {
    /// The option is the last argument, with no value after it.
    MissingValue(Opt),
    /// The option's value is not a number.
    NotANumber(Opt, ParseIntError),
    /// `--reps 0`; checked once every argument has been read.
    ZeroReps,
}

impl Error {
    /// Panics with the message `perf` and `mem` give for a bad command line
    /// (`usage` follows the message where it helps).
    #[track_caller]
    pub fn panic(self, usage: &str) -> ! {
        match self {
            Error::MissingValue(opt) => panic!("{} needs a value\n{usage}", opt.flag()),
            Error::NotANumber(opt, e) => panic!("{} takes a number: {e:?}", opt.flag()),
            Error::ZeroReps => panic!("--reps must be at least 1"),
        }
    }
}

/// Reads `args` (the arguments after the program name), taking the options in
/// `takes` and handing every other argument to `word`, in order.
///
/// Returns `Ok(None)` after `-h`/`--help`, which prints `usage` to stdout and
/// reads nothing further: the binary then exits successfully.
pub fn parse<'a>(
    args: &'a [String],
    takes: &[Opt],
    usage: &str,
    mut word: impl FnMut(&'a str),
) -> Result<Option<Options>, Error> {
    let mut options = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let opt = match a.as_str() {
            "-h" | "--help" => {
                println!("{usage}");
                return Ok(None);
            }
            s => takes.iter().copied().find(|o| o.flag() == s),
        };
        let Some(opt) = opt else {
            word(a);
            continue;
        };
        let value = it.next().ok_or(Error::MissingValue(opt))?;
        let number = || value.parse().map_err(|e| Error::NotANumber(opt, e));
        match opt {
            Opt::Reps => options.reps = Some(number()?),
            Opt::N => options.n = Some(number()?),
            Opt::Only => options.only.push(value.clone()),
        }
    }
    if options.reps == Some(0) {
        return Err(Error::ZeroReps);
    }
    Ok(Some(options))
}
