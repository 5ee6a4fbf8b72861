//! `kcsan-bench workloads`: what kcsan costs on real multithreaded programs.
//!
//! Every workload is built plain, with libtsan and with kcsan; the kcsan
//! build runs once per configuration (a `KCSAN_OPTIONS` string). All variants
//! of a workload run side by side: a warm-up round, then `--runs` rounds, each
//! running every variant once, so that the machine's drift hits them alike.
//! The table gives medians of CPU time (user + sys) and peak RSS and their
//! ratios against the plain build, and checks issue 6's targets.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::configs::{self, Config};
use crate::measure::{self, Usage};
use crate::sources::{self, Sources};
use crate::stats::{geomean, median};
use crate::toolchain::{self, Build, Lang, Repo};

/// The arguments of `kcsan-bench workloads`.
#[derive(clap::Args, Debug)]
pub(crate) struct WorkloadsArgs {
    /// Timed rounds (after one warm-up round); the table shows medians.
    #[arg(short = 'n', long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Comma-separated workloads to run (default: all).
    #[arg(long, value_name = "NAMES")]
    workloads: Option<String>,
    /// A kcsan configuration `NAME=KCSAN_OPTIONS` (repeatable); a built-in's
    /// name (fastpath, kernel, defaults, hunt) replaces it.
    #[arg(long = "config", value_name = "NAME=OPTIONS")]
    config: Vec<String>,
    /// Comma-separated configurations to run (default: all built-ins plus
    /// those given with --config).
    #[arg(long, value_name = "NAMES")]
    configs: Option<String>,
    /// Rewrite the workload section of BENCHMARKS.md with the table.
    #[arg(long)]
    write_benchmarks: bool,
    /// Do not run `cargo build --release` for the runtime first.
    #[arg(long)]
    no_build: bool,
    /// Parallel compile jobs (default: the number of CPUs).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
}

/// A C library from a `*-sys` crate.
struct Lib {
    name: &'static str,
    krate: &'static str,
    /// The library's source directory inside the crate.
    subdir: &'static str,
    /// Source files, relative to `subdir`; a name ending in `/` means every
    /// `.c` file of that directory.
    files: &'static [&'static str],
    /// Include directories, relative to `subdir`.
    includes: &'static [&'static str],
    defines: &'static [&'static str],
}

const ZSTD: Lib = Lib {
    name: "zstd",
    krate: "zstd-sys",
    subdir: "zstd/lib",
    files: &["common/", "compress/", "decompress/"],
    includes: &[".", "common"],
    // zstd's own worker pool; the portable C decoder (no x86 assembly file).
    defines: &["ZSTD_MULTITHREAD", "ZSTD_DISABLE_ASM"],
};

const SQLITE: Lib = Lib {
    name: "sqlite",
    krate: "libsqlite3-sys",
    subdir: "sqlite3",
    files: &["sqlite3.c"],
    includes: &["."],
    defines: &["SQLITE_THREADSAFE=1", "SQLITE_OMIT_LOAD_EXTENSION"],
};

const ZLIB: Lib = Lib {
    name: "zlib",
    krate: "libz-sys",
    subdir: "src/zlib",
    files: &[
        "adler32.c",
        "compress.c",
        "crc32.c",
        "deflate.c",
        "infback.c",
        "inffast.c",
        "inflate.c",
        "inftrees.c",
        "trees.c",
        "uncompr.c",
        "zutil.c",
    ],
    includes: &["."],
    defines: &["HAVE_UNISTD_H"],
};

const LZ4: Lib = Lib {
    name: "lz4",
    krate: "lz4-sys",
    subdir: "liblz4/lib",
    files: &["lz4.c", "lz4hc.c", "lz4frame.c", "xxhash.c"],
    includes: &["."],
    defines: &[],
};

/// A program of the suite.
struct Workload {
    name: &'static str,
    /// The driver, relative to `bench/workloads/`.
    driver: &'static str,
    lib: Option<&'static Lib>,
    args: &'static [&'static str],
    /// Threads the program runs at once (for the per-thread memory allowance).
    threads: u32,
    what: &'static str,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "zstd",
        driver: "zstd_mt.c",
        lib: Some(&ZSTD),
        args: &["2", "2", "4"],
        threads: 6,
        what: "2 threads x 2 rounds compress+decompress 4 MiB each, zstd level 3 with 2 zstd workers per context",
    },
    Workload {
        name: "sqlite",
        driver: "sqlite_mt.c",
        lib: Some(&SQLITE),
        args: &["3", "6000"],
        threads: 3,
        what: "3 threads x 6000 insert + point select (+ range aggregate) on one serialized in-memory connection",
    },
    Workload {
        name: "zlib",
        driver: "zlib_mt.c",
        lib: Some(&ZLIB),
        args: &["3", "24", "256"],
        threads: 3,
        what: "3 workers on a mutex/condvar queue: 24 blocks of 256 KiB, deflate level 6 + inflate",
    },
    Workload {
        name: "lz4",
        driver: "lz4_mt.c",
        lib: Some(&LZ4),
        args: &["2", "12", "256"],
        threads: 2,
        what: "2 workers claim 12 shared 256 KiB blocks atomically: LZ4 fast / HC level 9 + decompress",
    },
    Workload {
        name: "rust-sort",
        driver: "par_sort.rs",
        lib: None,
        args: &["2", "4", "2"],
        threads: 2,
        what: "std::thread: 2 rounds of 4M u64 keys sorted in 2 chunks, parallel merge, HashMap histogram under a Mutex",
    },
    Workload {
        name: "rust-pipeline",
        driver: "pipeline.rs",
        lib: None,
        args: &["2", "150000"],
        threads: 4,
        what: "std::sync::mpsc: producer -> 2 word-counting workers -> aggregator, 150000 records",
    },
];

/// One variant of a workload: a build and, for kcsan, a configuration.
#[derive(Clone, Debug)]
struct Variant {
    build: Build,
    config: Option<Config>,
}

impl Variant {
    fn label(&self) -> String {
        match &self.config {
            Some(c) => format!("{} {}", self.build.name(), c.name),
            None => self.build.name().to_owned(),
        }
    }
}

fn lib_sources(lib: &Lib, srcs: &Sources) -> Result<(PathBuf, Vec<PathBuf>)> {
    let dir = srcs.dir(lib.krate)?.join(lib.subdir);
    let mut files = Vec::new();
    for f in lib.files {
        if let Some(sub) = f.strip_suffix('/') {
            let d = dir.join(sub);
            let mut v: Vec<PathBuf> = std::fs::read_dir(&d)
                .with_context(|| format!("cannot list {}", d.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "c"))
                .collect();
            v.sort();
            files.extend(v);
        } else {
            files.push(dir.join(f));
        }
    }
    for f in &files {
        if !f.is_file() {
            bail!(
                "{} ({}) has no source file {}",
                lib.krate,
                lib.name,
                f.display()
            );
        }
    }
    Ok((dir, files))
}

/// Builds every workload three ways; returns the executables by
/// (workload, build). A missing build (libtsan for Rust without nightly) is
/// absent from the map.
fn build_all(
    repo: &Repo,
    srcs: &Sources,
    wls: &[&Workload],
    jobs: usize,
) -> Result<BTreeMap<(&'static str, Build), PathBuf>> {
    let out = repo.out.join("workloads");
    let bench = repo.root.join("bench/workloads");
    let runtime = repo.release.join("libkcsan_rt.a");
    let kcsan_bin = repo.kcsan();
    let inputs_for = |b: Build, src: &Path| -> Vec<PathBuf> {
        let mut v = vec![src.to_path_buf(), bench.join("text.h")];
        if b.is_kcsan() {
            v.push(kcsan_bin.clone());
        }
        v
    };
    // Every compile step of every C workload, in one parallel batch.
    let mut compiles: Vec<(Command, PathBuf, Vec<PathBuf>)> = Vec::new();
    let mut links: Vec<(&'static str, Build, Vec<PathBuf>)> = Vec::new();
    let mut exes = BTreeMap::new();
    for w in wls {
        let driver = bench.join(w.driver);
        if Lang::of(&driver) == Some(Lang::Rust) {
            continue;
        }
        let lib = w.lib.context("a C workload needs its library")?;
        let (dir, files) = lib_sources(lib, srcs)?;
        let mut flags: Vec<String> = vec!["-O2".into()];
        flags.extend(
            lib.includes
                .iter()
                .map(|i| format!("-I{}", dir.join(i).display())),
        );
        flags.extend(lib.defines.iter().map(|d| format!("-D{d}")));
        flags.push(format!("-I{}", bench.display()));
        for b in Build::available() {
            let objdir = out.join("obj").join(b.name()).join(lib.name);
            let mut objs = Vec::new();
            for f in files.iter().chain(std::iter::once(&driver)) {
                let rel = f
                    .strip_prefix(&dir)
                    .unwrap_or(f.strip_prefix(&bench).unwrap_or(f));
                let obj = objdir
                    .join(rel.to_string_lossy().replace('/', "_"))
                    .with_extension("o");
                let cmd = toolchain::compile(repo, b, Lang::C, f, &obj, &flags);
                compiles.push((cmd, obj.clone(), inputs_for(b, f)));
                objs.push(obj);
            }
            links.push((w.name, b, objs));
        }
    }
    println!("== compiling {} C files ({} jobs)", compiles.len(), jobs);
    toolchain::parallel(jobs, compiles, |(mut cmd, obj, inputs)| {
        toolchain::step(&mut cmd, &obj, &inputs)
    })?;
    for (name, b, objs) in links {
        let exe = out.join(b.name()).join(name);
        let mut cmd = toolchain::link(repo, b, Lang::C, &objs, &exe, &["-lm".to_owned()]);
        let mut inputs = objs.clone();
        if b.is_kcsan() {
            inputs.push(runtime.clone());
        }
        toolchain::step(&mut cmd, &exe, &inputs)?;
        exes.insert((name, b), exe);
    }
    for w in wls {
        let src = bench.join(w.driver);
        if Lang::of(&src) != Some(Lang::Rust) {
            continue;
        }
        for b in Build::available() {
            let exe = out.join(b.name()).join(w.name);
            let Some(mut cmd) = toolchain::rust_command(repo, b, &src, &exe) else {
                println!(
                    "   {} {}: n/a ({})",
                    w.name,
                    b.name(),
                    if b == Build::Libtsan {
                        "no nightly toolchain for -Zsanitizer=thread"
                    } else {
                        "no LTO runtime for Rust"
                    }
                );
                continue;
            };
            let mut inputs = vec![src.clone()];
            match (b, repo.rust_lto_runtime()) {
                (Build::KcsanLto, Some((bitcode, object))) => inputs.extend([bitcode, object]),
                (Build::Kcsan, _) => inputs.push(repo.rust_runtime()),
                _ => {}
            }
            println!("== rustc {} ({})", w.driver, b.name());
            toolchain::step(&mut cmd, &exe, &inputs)?;
            exes.insert((w.name, b), exe);
        }
    }
    Ok(exes)
}

/// Medians of one variant's timed runs.
#[derive(Debug)]
struct Row {
    label: String,
    build: Build,
    config: Option<String>,
    cpu: f64,
    cpu_min: f64,
    rss_mib: f64,
    reports: usize,
}

fn count_reports(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with("BUG: KCSAN:") || l.starts_with("WARNING: ThreadSanitizer:"))
        .count()
}

/// Runs every variant of `w` interleaved; returns one row per variant.
fn measure_workload(
    w: &Workload,
    exes: &BTreeMap<(&'static str, Build), PathBuf>,
    variants: &[Variant],
    rounds: u32,
    logs: &Path,
) -> Result<Vec<Row>> {
    let present: Vec<&Variant> = variants
        .iter()
        .filter(|v| exes.contains_key(&(w.name, v.build)))
        .collect();
    let mut usages: Vec<Vec<Usage>> = vec![Vec::new(); present.len()];
    let mut reports = vec![0usize; present.len()];
    let mut expected_stdout: Option<String> = None;
    for round in 0..=rounds {
        for (i, v) in present.iter().enumerate() {
            let exe = &exes[&(w.name, v.build)];
            let tag = v.label().replace(' ', "-");
            let (out, err) = (
                logs.join(format!("{}.{tag}.stdout", w.name)),
                logs.join(format!("{}.{tag}.stderr", w.name)),
            );
            let mut cmd = Command::new(exe);
            cmd.args(w.args)
                .env_remove("KCSAN_OPTIONS")
                .env_remove("TSAN_OPTIONS");
            if let Some(c) = &v.config {
                cmd.env("KCSAN_OPTIONS", &c.options);
            }
            let u = measure::run(&mut cmd, &out, &err)?;
            // 66 is both runtimes' exit code after a report: the program ran
            // to the end; the reports are counted, not fatal.
            if !matches!(u.code, Some(0 | 66)) {
                bail!(
                    "{} ({}) failed with {}; stderr ends with:\n{}",
                    w.name,
                    v.label(),
                    measure::describe_exit(u.code, u.signal),
                    measure::tail(&err, 15)
                );
            }
            let stdout = std::fs::read_to_string(&out).unwrap_or_default();
            match &expected_stdout {
                None => expected_stdout = Some(stdout),
                Some(e) if *e != stdout => bail!(
                    "{} ({}) printed a different result than the {} build:\n  {}\n  {}",
                    w.name,
                    v.label(),
                    present[0].label(),
                    stdout.trim(),
                    e.trim()
                ),
                Some(_) => {}
            }
            reports[i] = reports[i].max(count_reports(&err));
            if round > 0 {
                usages[i].push(u);
            }
        }
        let label = if round == 0 {
            "warm-up".to_owned()
        } else {
            format!("round {round}/{rounds}")
        };
        println!("   {} {label} done", w.name);
    }
    Ok(present
        .iter()
        .zip(usages)
        .zip(reports)
        .map(|((v, us), reports)| {
            let cpu: Vec<f64> = us.iter().map(|u| u.cpu.as_secs_f64()).collect();
            let rss: Vec<f64> = us.iter().map(|u| u.maxrss_kib as f64 / 1024.0).collect();
            Row {
                label: v.label(),
                build: v.build,
                config: v.config.as_ref().map(|c| c.name.clone()),
                cpu: median(&cpu),
                cpu_min: cpu.iter().copied().fold(f64::INFINITY, f64::min),
                rss_mib: median(&rss),
                reports,
            }
        })
        .collect())
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_finite() && b.is_finite() && b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "n/a".to_owned()
    }
}

/// `kcsan-bench workloads ...`
pub(crate) fn main(a: WorkloadsArgs) -> Result<ExitCode> {
    let cfgs = configs::select(&a.config, a.configs.as_deref(), &[])?;
    let wls: Vec<&Workload> = match &a.workloads {
        None => WORKLOADS.iter().collect(),
        Some(list) => {
            let mut v = Vec::new();
            for n in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let Some(w) = WORKLOADS.iter().find(|w| w.name == n) else {
                    let known: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                    bail!(
                        "--workloads: unknown workload '{n}' (known: {})",
                        known.join(", ")
                    );
                };
                v.push(w);
            }
            v
        }
    };
    if wls.is_empty() {
        bail!("--workloads: no workload named");
    }
    let repo = Repo::locate()?;
    repo.ensure_runtime(a.no_build)?;
    let srcs = if wls.iter().any(|w| w.lib.is_some()) {
        println!("== registry sources: {}", Sources::describe());
        Some(sources::fetch(&repo.out)?)
    } else {
        None
    };
    let empty = sources::empty();
    let exes = build_all(
        &repo,
        srcs.as_ref().unwrap_or(&empty),
        &wls,
        a.jobs.unwrap_or_else(toolchain::cpus),
    )?;
    let mut variants = vec![
        Variant {
            build: Build::Plain,
            config: None,
        },
        Variant {
            build: Build::Libtsan,
            config: None,
        },
    ];
    variants.extend(cfgs.iter().map(|c| Variant {
        build: Build::Kcsan,
        config: Some(c.clone()),
    }));
    // The LTO route (clang ThinLTO, fast paths inlined), where clang-22 and
    // lld are installed: its own plain baseline, then every configuration.
    if Build::available().contains(&Build::KcsanLto) {
        variants.push(Variant {
            build: Build::PlainLto,
            config: None,
        });
        variants.extend(cfgs.iter().map(|c| Variant {
            build: Build::KcsanLto,
            config: Some(c.clone()),
        }));
    }
    let logs = repo.out.join("workloads/logs");
    std::fs::create_dir_all(&logs)?;
    let mut results = Vec::new();
    for w in &wls {
        println!(
            "== {}: {} ({} variants, 1 warm-up + {} rounds)",
            w.name,
            w.what,
            variants.len(),
            a.runs
        );
        results.push((*w, measure_workload(w, &exes, &variants, a.runs, &logs)?));
    }
    let (table, fails) = render(&results, &cfgs, a.runs);
    println!("\n{table}");
    if a.write_benchmarks {
        let path = repo.root.join("BENCHMARKS.md");
        crate::markdown::write_section(
            &path,
            "workloads",
            "## Workload suite (`kcsan-bench workloads`)",
            &table,
        )?;
        println!("wrote the workload section of {}", path.display());
    }
    if fails > 0 {
        // The targets are what the engine's defaults are tuned against; a
        // miss is a finding to read in the table, not a broken benchmark.
        println!("note: {fails} target check(s) failed (see the FAIL cells above)");
    }
    Ok(ExitCode::SUCCESS)
}

/// The markdown tables and target checks; also returns the failed checks.
fn render(results: &[(&Workload, Vec<Row>)], cfgs: &[Config], runs: u32) -> (String, usize) {
    let mut s = String::new();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let _ = writeln!(
        s,
        "Recorded by `kcsan-bench workloads` ({} CPUs, load average {} at the end; median of {runs} interleaved \
         rounds after a warm-up). CPU = user+sys of the child (wait4); RSS = ru_maxrss. C sources: {}.\n",
        toolchain::cpus(),
        load.join(" "),
        Sources::describe()
    );
    let _ = writeln!(
        s,
        "| workload | build | CPU s | min CPU s | × plain | ÷ libtsan | peak RSS MiB | RSS − plain MiB | reports |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (w, rows) in results {
        let plain = rows.iter().find(|r| r.label == "plain");
        let tsan = rows.iter().find(|r| r.label == "libtsan");
        let (pc, pr) = plain.map_or((f64::NAN, f64::NAN), |p| (p.cpu, p.rss_mib));
        for r in rows {
            let vs_tsan = match (r.build.is_kcsan(), tsan) {
                (true, Some(t)) => ratio(r.cpu, t.cpu),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {:.3} | {:.3} | {} | {} | {:.1} | {:+.1} | {} |",
                w.name,
                r.label,
                r.cpu,
                r.cpu_min,
                ratio(r.cpu, pc),
                vs_tsan,
                r.rss_mib,
                r.rss_mib - pr,
                r.reports
            );
        }
    }
    // Targets (issue 6), per kcsan configuration.
    let _ = writeln!(
        s,
        "\nTargets per kcsan configuration: CPU ≤ 0.25× libtsan's on every workload; RSS over plain ≤ 4 MiB + \
         0.25 MiB per thread and ≤ 1/5 of libtsan's; geometric-mean slowdown ≤ 2× (for the chosen defaults).\n"
    );
    let _ = writeln!(
        s,
        "| config | options | geomean × plain | worst ÷ libtsan | CPU target | worst RSS − plain MiB | RSS target | geomean ≤ 2× |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---|---:|---|---|");
    let mut fails = 0;
    for c in cfgs {
        let mut slow = Vec::new();
        let mut worst_tsan: (f64, &str) = (0.0, "");
        let mut worst_rss: (f64, &str) = (f64::NEG_INFINITY, "");
        let mut cpu_ok = true;
        let mut rss_ok = true;
        for (w, rows) in results {
            let plain = rows.iter().find(|r| r.label == "plain");
            let tsan = rows.iter().find(|r| r.label == "libtsan");
            let Some(r) = rows
                .iter()
                .find(|r| r.build == Build::Kcsan && r.config.as_deref() == Some(c.name.as_str()))
            else {
                continue;
            };
            let Some(p) = plain else { continue };
            slow.push(r.cpu / p.cpu);
            let over = r.rss_mib - p.rss_mib;
            if over > worst_rss.0 {
                worst_rss = (over, w.name);
            }
            let allowance = 4.0 + 0.25 * f64::from(w.threads);
            if over > allowance {
                rss_ok = false;
            }
            if let Some(t) = tsan {
                let q = r.cpu / t.cpu;
                if q > worst_tsan.0 {
                    worst_tsan = (q, w.name);
                }
                if q > 0.25 {
                    cpu_ok = false;
                }
                if over > (t.rss_mib - p.rss_mib) / 5.0 {
                    rss_ok = false;
                }
            }
        }
        let g = geomean(&slow);
        let verdict = |ok: bool| if ok { "PASS" } else { "**FAIL**" };
        fails += usize::from(!cpu_ok) + usize::from(!rss_ok) + usize::from(g > 2.0);
        let _ = writeln!(
            s,
            "| {} | `{}` | {:.2}x | {:.2}x ({}) | {} | {:+.1} ({}) | {} | {} |",
            c.name,
            if c.options.is_empty() {
                "(none)"
            } else {
                &c.options
            },
            g,
            worst_tsan.0,
            worst_tsan.1,
            verdict(cpu_ok),
            worst_rss.0,
            worst_rss.1,
            verdict(rss_ok),
            verdict(g <= 2.0)
        );
    }
    fails += render_lto_targets(&mut s, results, cfgs);
    fails += render_rust_lto(&mut s, results, cfgs);
    let _ = writeln!(s, "\nThe workloads:\n");
    for (w, _) in results {
        let _ = writeln!(
            s,
            "* **{}** (`bench/workloads/{}` {}): {}.",
            w.name,
            w.driver,
            w.args.join(" "),
            w.what
        );
    }
    (s, fails)
}

/// The LTO route's targets (issue 12), per configuration, over the C
/// workloads: watchpoints off (`fastpath`), geometric mean ≤ 2× plain; the
/// runtime's defaults, ≤ 2.5× plain and ≤ 0.1× libtsan on every workload.
/// "plain" is gcc's plain build, as in the table above; the ratio to the
/// clang ThinLTO plain build is shown beside it. Returns the failed checks.
fn render_lto_targets(s: &mut String, results: &[(&Workload, Vec<Row>)], cfgs: &[Config]) -> usize {
    let lto_rows = |c: &Config| -> Vec<(&str, f64, f64, f64)> {
        results
            .iter()
            .filter(|(w, _)| w.driver.ends_with(".c"))
            .filter_map(|(w, rows)| {
                let r = rows.iter().find(|r| {
                    r.build == Build::KcsanLto && r.config.as_deref() == Some(c.name.as_str())
                })?;
                let plain = rows.iter().find(|r| r.build == Build::Plain)?;
                let plain_lto = rows.iter().find(|r| r.build == Build::PlainLto)?;
                let tsan = rows.iter().find(|r| r.build == Build::Libtsan)?;
                Some((
                    w.name,
                    r.cpu / plain.cpu,
                    r.cpu / plain_lto.cpu,
                    r.cpu / tsan.cpu,
                ))
            })
            .collect()
    };
    if cfgs.iter().all(|c| lto_rows(c).is_empty()) {
        return 0;
    }
    let _ = writeln!(
        s,
        "\nThe LTO route (`KCSAN_CC=clang-22 KCSAN_LTO=thin kcsan cc`, C workloads): targets `fastpath` geomean ≤ 2× \
         plain; `defaults` ≤ 2.5× plain and ≤ 0.1× libtsan on every workload (plain = gcc's plain build).\n"
    );
    let _ = writeln!(
        s,
        "| config | geomean × plain | geomean × plain-lto | worst × plain | worst ÷ libtsan | target |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    let mut fails = 0;
    for c in cfgs {
        let v = lto_rows(c);
        if v.is_empty() {
            continue;
        }
        let g = geomean(&v.iter().map(|x| x.1).collect::<Vec<_>>());
        let g_lto = geomean(&v.iter().map(|x| x.2).collect::<Vec<_>>());
        let worst_plain = v
            .iter()
            .fold((0.0, ""), |m, x| if x.1 > m.0 { (x.1, x.0) } else { m });
        let worst_tsan = v
            .iter()
            .fold((0.0, ""), |m, x| if x.3 > m.0 { (x.3, x.0) } else { m });
        let verdict = match c.name.as_str() {
            "fastpath" => Some(g <= 2.0),
            "defaults" => Some(worst_plain.0 <= 2.5 && worst_tsan.0 <= 0.1),
            _ => None,
        };
        fails += usize::from(verdict == Some(false));
        let _ = writeln!(
            s,
            "| {} | {:.2}x | {:.2}x | {:.2}x ({}) | {:.2}x ({}) | {} |",
            c.name,
            g,
            g_lto,
            worst_plain.0,
            worst_plain.1,
            worst_tsan.0,
            worst_tsan.1,
            match verdict {
                Some(true) => "PASS",
                Some(false) => "**FAIL**",
                None => "-",
            }
        );
    }
    fails
}

/// The Rust workloads on both routes against libtsan (issue 12's target:
/// `cargo kcsan` at the defaults ≤ 0.25× libtsan). Returns the failed checks.
fn render_rust_lto(s: &mut String, results: &[(&Workload, Vec<Row>)], cfgs: &[Config]) -> usize {
    let rust: Vec<&(&Workload, Vec<Row>)> = results
        .iter()
        .filter(|(w, rows)| {
            w.driver.ends_with(".rs") && rows.iter().any(|r| r.build == Build::KcsanLto)
        })
        .collect();
    if rust.is_empty() {
        return 0;
    }
    let _ = writeln!(
        s,
        "\nRust workloads, call route (`cargo kcsan`) and LTO route (`cargo kcsan --lto`), CPU ÷ libtsan \
         (target at the defaults: ≤ 0.25×):\n"
    );
    let _ = writeln!(
        s,
        "| workload | config | call route | LTO route | × plain (call) | × plain (LTO) | target (LTO) |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---|");
    let mut fails = 0;
    for (w, rows) in rust {
        let find = |b: Build, c: Option<&str>| {
            rows.iter()
                .find(|r| r.build == b && r.config.as_deref() == c)
        };
        let (Some(t), Some(p)) = (find(Build::Libtsan, None), find(Build::Plain, None)) else {
            continue;
        };
        for c in cfgs {
            let (Some(call), Some(lto)) = (
                find(Build::Kcsan, Some(&c.name)),
                find(Build::KcsanLto, Some(&c.name)),
            ) else {
                continue;
            };
            let verdict = (c.name == "defaults").then(|| lto.cpu / t.cpu <= 0.25);
            fails += usize::from(verdict == Some(false));
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                w.name,
                c.name,
                ratio(call.cpu, t.cpu),
                ratio(lto.cpu, t.cpu),
                ratio(call.cpu, p.cpu),
                ratio(lto.cpu, p.cpu),
                match verdict {
                    Some(true) => "PASS",
                    Some(false) => "**FAIL**",
                    None => "-",
                }
            );
        }
    }
    fails
}
