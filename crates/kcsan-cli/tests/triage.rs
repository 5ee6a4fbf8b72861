//! Tests of `kcsan triage`: grouping and counting the KCSAN reports of our
//! runtime's logs and of kernel logs, damaged (truncated, interleaved) logs,
//! the JSON Lines schema, and exit statuses. The logs are in
//! `tests/data/triage/` (`ours.log` is real output of
//! `examples/c/datarace.c`; `dmesg.txt` and `syslog.log` follow the kernel's
//! report format).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/triage")
}

/// Runs `kcsan triage ARGS` in the data directory, with `stdin` as input.
fn triage(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcsan"))
        .arg("triage")
        .args(args)
        .current_dir(data_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kcsan");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// `--json` output: the group objects and the summary object.
fn json(args: &[&str], stdin: &[u8]) -> (Vec<Value>, Value, Output) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = triage(&all, stdin);
    let mut objs: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary = objs.pop().expect("summary object");
    assert_eq!(summary["type"], "summary");
    (objs, summary, o)
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

const RW_TITLE: &str = "BUG: KCSAN: data-race in do_the_work1 / do_the_work2";

#[test]
fn our_log_is_grouped_by_title_and_accesses() {
    let o = triage(&["ours.log"], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for col in ["COUNT", "TITLE", "ACCESSES", "FIRST SEEN", "LAST SEEN"] {
        assert!(lines[0].contains(col), "{out}");
    }
    let row1: Vec<&str> = lines[1]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        row1,
        ["2", RW_TITLE, "read vs write", "ours.log:4", "ours.log:26"]
    );
    let row2: Vec<&str> = lines[2]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        row2,
        [
            "1",
            RW_TITLE,
            "write vs write",
            "ours.log:48",
            "ours.log:48"
        ]
    );
    assert_eq!(
        lines[3],
        "triage: 3 reports in 2 groups; 0 reports were truncated, 0 interleaved; \
         10 lines outside reports ignored"
    );

    let (groups, summary, o) = json(&["ours.log"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(groups.len(), 2);
    let g = &groups[0];
    assert_eq!(g["title"], RW_TITLE);
    assert_eq!(strs(&g["accesses"]), ["read", "write"]);
    assert_eq!(g["count"], 2);
    assert_eq!(g["first_seen"]["file"], "ours.log");
    assert_eq!(g["first_seen"]["line"], 4);
    assert_eq!(g["first_seen"]["time"], Value::Null);
    assert_eq!(g["last_seen"]["line"], 26);
    assert_eq!(g["processes"].as_array().unwrap().len(), 2);
    assert_eq!(g["processes"][0]["comm"], "d");
    assert_eq!(g["processes"][0]["exe"], "/tmp/d");
    assert_eq!(g["tasks"].as_array().unwrap().len(), 4);
    let frames = strs(&g["top_frames"]);
    assert_eq!(frames.len(), 2);
    assert!(
        frames[0].starts_with("do_the_work2+0x54/0x7a "),
        "{frames:?}"
    );
    assert!(
        frames[1].starts_with("do_the_work1+0xd7/0x129 "),
        "{frames:?}"
    );
    assert_eq!(g["value_changes"].as_array().unwrap().len(), 2);
    assert!(strs(&g["value_changes"])[0].contains(" -> 0x"));
    assert_eq!(strs(&groups[1]["accesses"]), ["write", "write"]);
    assert_eq!(groups[1]["count"], 1);
    assert_eq!(summary["reports"], 3);
    assert_eq!(summary["groups"], 2);
    assert_eq!(summary["skipped_lines"], 10);
    assert_eq!(summary["unparsed_lines"], 0);
}

#[test]
fn json_schema_fields() {
    let (groups, summary, _) = json(&["ours.log", "dmesg.txt", "truncated.log"], b"");
    let group_keys = [
        "type",
        "title",
        "bug_type",
        "unknown_origin",
        "accesses",
        "count",
        "truncated",
        "interleaved",
        "first_seen",
        "last_seen",
        "processes",
        "tasks",
        "top_frames",
        "value_changes",
    ];
    for g in &groups {
        let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = group_keys.to_vec();
        let mut got = keys.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(g["type"], "group");
        for seen in ["first_seen", "last_seen"] {
            let mut k: Vec<&String> = g[seen].as_object().unwrap().keys().collect();
            k.sort();
            assert_eq!(k, ["file", "line", "time"]);
        }
        for p in g["processes"].as_array().unwrap() {
            let mut k: Vec<&String> = p.as_object().unwrap().keys().collect();
            k.sort();
            assert_eq!(k, ["comm", "exe", "pid"]);
        }
    }
    let mut k: Vec<&String> = summary.as_object().unwrap().keys().collect();
    k.sort();
    assert_eq!(
        k,
        [
            "files",
            "groups",
            "interleaved",
            "reports",
            "skipped_lines",
            "truncated",
            "type",
            "unparsed_lines"
        ]
    );
    assert_eq!(
        strs(&summary["files"]),
        ["ours.log", "dmesg.txt", "truncated.log"]
    );
    // Counts are descending.
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert_eq!(
        counts.iter().sum::<u64>(),
        summary["reports"].as_u64().unwrap()
    );
}

#[test]
fn kernel_dmesg_with_timestamps_and_callers() {
    let (groups, summary, o) = json(&["dmesg.txt"], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(groups.len(), 2);
    let g = &groups[0];
    assert_eq!(
        g["title"],
        "BUG: KCSAN: data-race in test_kernel_read / test_kernel_write"
    );
    assert_eq!(g["unknown_origin"], false);
    assert_eq!(strs(&g["accesses"]), ["read", "write"]);
    assert_eq!(g["count"], 2);
    assert_eq!(g["first_seen"]["time"], "12.345678");
    assert_eq!(g["first_seen"]["line"], 6);
    assert_eq!(g["last_seen"]["time"], "14.250000");
    assert_eq!(g["processes"][0]["pid"], 488);
    assert_eq!(g["processes"][0]["comm"], "access_thread");
    assert_eq!(g["processes"][0]["exe"], Value::Null);
    assert_eq!(g["processes"][1]["pid"], 490);
    assert_eq!(g["tasks"], serde_json::json!([487, 488, 489, 490]));
    assert_eq!(
        strs(&g["top_frames"]),
        ["test_kernel_write+0x1d/0x30", "test_kernel_read+0x10/0x20"]
    );
    assert_eq!(
        strs(&g["value_changes"]),
        [
            "0x00000000000009a6 -> 0x00000000000009b2",
            "0x0000000000000a01 -> 0x0000000000000a0f"
        ]
    );

    // Unknown origin: grouped by function, offsets differ.
    let u = &groups[1];
    assert_eq!(u["title"], "BUG: KCSAN: data-race in test_kernel_rmw_array");
    assert_eq!(u["unknown_origin"], true);
    assert_eq!(strs(&u["accesses"]), ["read"]);
    assert_eq!(u["count"], 2);
    assert_eq!(u["first_seen"]["time"], "13.500000");
    assert_eq!(u["last_seen"]["time"], "15.000042");
    assert_eq!(
        strs(&u["top_frames"]),
        [
            "test_kernel_rmw_array+0x71/0xd0",
            "test_kernel_rmw_array+0x8c/0xd0"
        ]
    );
    assert_eq!(summary["skipped_lines"], 6);
    assert_eq!(summary["truncated"], 0);
    assert_eq!(summary["interleaved"], 0);

    let o = triage(&["dmesg.txt"], b"");
    let out = stdout(&o);
    let row: Vec<&str> = out
        .lines()
        .nth(2)
        .unwrap()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        row,
        [
            "2",
            "BUG: KCSAN: data-race in test_kernel_rmw_array",
            "read vs (unknown origin)",
            "13.500000",
            "15.000042"
        ]
    );
}

#[test]
fn syslog_prefix_and_stdin() {
    let syslog = std::fs::read(data_dir().join("syslog.log")).unwrap();
    let (groups, summary, o) = json(&["dmesg.txt", "-"], &syslog);
    assert_eq!(o.status.code(), Some(1));
    let g = &groups[0];
    assert_eq!(g["count"], 3);
    assert_eq!(g["last_seen"]["file"], "<stdin>");
    assert_eq!(g["last_seen"]["line"], 3);
    assert_eq!(g["last_seen"]["time"], "Nov 22 01:02:03");
    assert_eq!(g["processes"][2]["pid"], 601);
    assert_eq!(summary["skipped_lines"], 7);
    assert_eq!(strs(&summary["files"]), ["dmesg.txt", "<stdin>"]);
}

#[test]
fn truncated_reports_are_kept_and_counted() {
    let o = triage(&["truncated.log"], b"");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(
        out.lines().last().unwrap(),
        "triage: 5 reports in 1 group; 3 reports were truncated, 0 interleaved; \
         8 lines outside reports ignored",
        "{out}"
    );
    let (groups, summary, _) = json(&["truncated.log"], b"");
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    // The report cut after its first access joins its race's group.
    assert_eq!(strs(&g["accesses"]), ["read", "write"]);
    assert_eq!(g["count"], 5);
    assert_eq!(g["truncated"], 3);
    assert_eq!(g["first_seen"]["line"], 3);
    assert_eq!(g["last_seen"]["line"], 69);
    assert_eq!(summary["truncated"], 3);
    assert_eq!(summary["skipped_lines"], 8);
}

#[test]
fn interleaved_reports_are_kept_and_counted() {
    let o = triage(&["interleaved.log"], b"");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(
        out.lines().last().unwrap(),
        "triage: 3 reports in 3 groups; 0 reports were truncated, 2 interleaved; \
         3 lines outside reports ignored; 1 line inside reports not recognised",
        "{out}"
    );
    let (groups, summary, _) = json(&["interleaved.log"], b"");
    assert_eq!(summary["interleaved"], 2);
    assert_eq!(summary["unparsed_lines"], 1);
    // The report another one cut into: what was parsed, `?` for the rest.
    let cut = groups
        .iter()
        .find(|g| g["first_seen"]["line"] == 3)
        .unwrap();
    assert_eq!(strs(&cut["accesses"]), ["write", "?"]);
    assert_eq!(cut["interleaved"], 1);
    assert_eq!(
        strs(&cut["top_frames"]),
        ["do_the_work2+0x54/0x7a examples/c/datarace.c:67"]
    );
    // The report that followed cleanly is intact.
    let clean = groups.iter().find(|g| g["unknown_origin"] == true).unwrap();
    assert_eq!(clean["title"], "BUG: KCSAN: data-race in do_the_work1");
    assert_eq!(clean["interleaved"], 0);
    assert_eq!(clean["truncated"], 0);
    assert_eq!(clean["processes"][0]["pid"], 199);
}

#[test]
fn top_limits_groups_not_totals() {
    let (groups, summary, _) = json(&["--top", "1", "ours.log", "dmesg.txt"], b"");
    assert_eq!(groups.len(), 1);
    assert_eq!(summary["groups"], 4);
    assert_eq!(summary["reports"], 7);
    let o = triage(&["--top", "1", "ours.log"], b"");
    assert_eq!(stdout(&o).lines().count(), 3);
}

#[test]
fn exit_codes() {
    let o = triage(&["clean.log"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().last().unwrap(),
        "triage: 0 reports in 0 groups; 0 reports were truncated, 0 interleaved; \
         5 lines outside reports ignored"
    );
    let o = triage(&["-"], b"just program output\n");
    assert_eq!(o.status.code(), Some(0));

    let o = triage(&["ours.log", "no-such.log"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such.log"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());

    let o = triage(&[], b"");
    assert_eq!(o.status.code(), Some(2));
}

/// Hostile logs never make triage panic: multibyte characters where the
/// syslog prefix's fixed byte offsets are, a 70,000-character title, control
/// characters. Seeded, reproducible.
#[test]
fn hostile_logs_never_panic() {
    let long_title = format!("BUG: KCSAN: data-race in {} / g\n", "f".repeat(70_000));
    let mut cases: Vec<Vec<u8>> = vec![
        "Noé 22 01:02:03 host kernel: BUG: KCSAN: data-race in a / b\n".into(),
        "Nové22 01:02:03 x\n".into(),
        "ééé\nBUG: KCSAN: data-race in é / ü\n".into(),
        long_title.clone().into_bytes(),
        b"BUG: KCSAN: data-race in \x1b[31mred\x07 / b\n".to_vec(),
    ];
    // Random lines from a small alphabet of the parser's keywords, bytes
    // and multibyte characters.
    let pieces: [&[u8]; 12] = [
        b"BUG: KCSAN: data-race in ",
        b" / ",
        b"==================\n",
        b"read to 0x1 of 8 bytes by task 1 on cpu 0:\n",
        b"[  12.3] ",
        b"<3>",
        b"Nov 22 01:02:03 h k: ",
        "é".as_bytes(),
        "日本".as_bytes(),
        b"\xff\xfe",
        b"\n",
        b"+0x1/0x2",
    ];
    let mut seed: u64 = 0x5eed;
    for _ in 0..200 {
        let mut case = Vec::new();
        for _ in 0..20 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            case.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        cases.push(case);
    }
    for case in &cases {
        for args in [&["-"][..], &["--json", "-"][..]] {
            let o = triage(args, case);
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "triage {args:?} on {:?}: {:?}\n{}",
                String::from_utf8_lossy(&case[..case.len().min(200)]),
                o.status,
                stderr(&o)
            );
            assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        }
    }
    // The table shows the long title cut, the JSON whole.
    let o = triage(&["-"], long_title.as_bytes());
    assert!(stdout(&o).contains("fffff..."), "{}", stdout(&o));
    let (groups, _, _) = json(&["-"], long_title.as_bytes());
    assert_eq!(
        groups[0]["title"].as_str().unwrap().len(),
        long_title.trim_end().len()
    );
}
