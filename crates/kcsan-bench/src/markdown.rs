//! Rewriting one marked section of BENCHMARKS.md.
//!
//! A section sits between `<!-- BEGIN kcsan-bench NAME -->` and
//! `<!-- END kcsan-bench NAME -->`; everything outside the markers is the
//! hand-written manual and is left alone. A missing section is appended.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// Replaces (or appends) section `name` of the file at `path` with `body`.
pub(crate) fn write_section(path: &Path, name: &str, heading: &str, body: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let out = replace_section(&text, name, heading, body)
        .with_context(|| format!("in {}", path.display()))?;
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

fn replace_section(text: &str, name: &str, heading: &str, body: &str) -> Result<String> {
    let begin = format!("<!-- BEGIN kcsan-bench {name} -->");
    let end = format!("<!-- END kcsan-bench {name} -->");
    let block = format!("{begin}\n{}\n{end}", body.trim_end());
    match (text.find(&begin), text.find(&end)) {
        (Some(b), Some(e)) if b < e => {
            Ok(format!("{}{block}{}", &text[..b], &text[e + end.len()..]))
        }
        (None, None) => Ok(format!("{}\n\n{heading}\n\n{block}\n", text.trim_end())),
        _ => bail!("the markers '{begin}' and '{end}' are unbalanced or out of order"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_then_replaces() {
        let t = replace_section("# B\n\nmanual\n", "w", "## W", "one").unwrap();
        assert_eq!(
            t,
            "# B\n\nmanual\n\n## W\n\n<!-- BEGIN kcsan-bench w -->\none\n<!-- END kcsan-bench w -->\n"
        );
        let t2 = replace_section(&(t.clone() + "after\n"), "w", "## W", "two\n").unwrap();
        assert!(t2.contains("-->\ntwo\n<!--") && t2.ends_with("after\n") && !t2.contains("one"));
        assert!(replace_section("<!-- END kcsan-bench w -->", "w", "", "x").is_err());
    }
}
