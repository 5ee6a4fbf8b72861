//! `kcsan run`: run a program under chosen options, show its reports as they
//! happen, then summarise the races found and the statistics.
//!
//! The program's reports go to per-process log files in a scratch directory
//! (`log_path`), which this command follows and echoes to stderr while the
//! program runs; every process the program forks gets its own file. At exit
//! each process writes its statistics (`print_stats=1`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use kcsan_core::config::Flags;

/// What was read from one process's log file.
#[derive(Debug, Default)]
struct Log {
    offset: u64,
    /// Bytes of an incomplete last line, kept until the line is complete.
    partial: Vec<u8>,
    titles: Vec<String>,
}

/// Follows the per-process log files in `dir`, echoing new complete lines.
fn follow(dir: &Path, logs: &mut BTreeMap<PathBuf, Log>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut stderr = std::io::stderr().lock();
    for path in entries {
        let log = logs.entry(path.clone()).or_default();
        let mut f = std::fs::File::open(&path)?;
        f.seek(SeekFrom::Start(log.offset))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        log.offset += buf.len() as u64;
        log.partial.extend_from_slice(&buf);
        if let Some(end) = log.partial.iter().rposition(|&b| b == b'\n') {
            let complete: Vec<u8> = log.partial.drain(..=end).collect();
            for line in String::from_utf8_lossy(&complete).lines() {
                if let Some(t) = line.strip_prefix("BUG: KCSAN: ") {
                    log.titles.push(t.to_owned());
                }
            }
            stderr.write_all(&complete)?;
        }
    }
    Ok(())
}

/// `kcsan run [-o name=value]... [--options STR] -- PROGRAM ARGS...`
pub(crate) fn main(
    options: Vec<String>,
    option_string: Option<String>,
    program: Vec<OsString>,
) -> Result<ExitCode> {
    let Some((prog, prog_args)) = program.split_first() else {
        bail!("no program to run (usage: kcsan run [-o name=value]... -- PROGRAM [ARGS...])");
    };
    // Validate everything now, so a typo fails here and not inside the program.
    let inherited = std::env::var("KCSAN_OPTIONS").unwrap_or_default();
    let mut ours: Vec<String> = option_string.into_iter().collect();
    ours.extend(options);
    let mut check = Flags::DEFAULT;
    check.parse_options(&inherited, "KCSAN_OPTIONS")?;
    for o in &ours {
        check.parse_options(o, "kcsan run options")?;
    }
    check.resolve()?;

    let dir = tempfile::Builder::new()
        .prefix("kcsan-run-")
        .tempdir()
        .context("cannot create a scratch directory")?;
    let log_path = dir.path().join("kcsan");
    // This command reports races through its own exit status (1), so the
    // program keeps its own unless exitcode was asked for explicitly.
    let exitcode_given = [inherited.as_str()]
        .into_iter()
        .chain(ours.iter().map(String::as_str))
        .any(|o| o.contains("exitcode="));
    let mut all = vec![inherited];
    if !exitcode_given {
        all.push("exitcode=0".to_owned());
    }
    all.extend(ours);
    all.push(format!("log_path='{}'", log_path.display()));
    all.push("print_stats=1".to_owned());
    let kcsan_options = all
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(":");

    let mut child = Command::new(prog)
        .args(prog_args)
        .env("KCSAN_OPTIONS", &kcsan_options)
        .spawn()
        .with_context(|| format!("cannot run {}", Path::new(prog).display()))?;
    let mut logs = BTreeMap::new();
    let status = loop {
        follow(dir.path(), &mut logs)?;
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    follow(dir.path(), &mut logs)?;

    let reports: usize = logs.values().map(|l| l.titles.len()).sum();
    let mut unique: Vec<&String> = logs.values().flat_map(|l| &l.titles).collect();
    unique.sort();
    unique.dedup();
    let how = match (status.code(), status.signal()) {
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(s)) => format!("was killed by signal {s}"),
        _ => "ended".to_owned(),
    };
    eprintln!(
        "kcsan run: {reports} report{} ({} unique) in {} process{}; {} {how}",
        if reports == 1 { "" } else { "s" },
        unique.len(),
        logs.len(),
        if logs.len() == 1 { "" } else { "es" },
        Path::new(prog).display()
    );
    for t in &unique {
        eprintln!("kcsan run:   {t}");
    }
    // The program's own failure comes first; then races; then success.
    Ok(match (status.code(), status.signal()) {
        (Some(0), _) if reports > 0 => ExitCode::from(1),
        (Some(c), _) => ExitCode::from(c as u8),
        (None, Some(s)) => ExitCode::from((128 + s) as u8),
        _ => ExitCode::from(1),
    })
}
