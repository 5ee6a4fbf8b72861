//! kcsan configurations: a name and a `KCSAN_OPTIONS` string.
//!
//! Options are strings, not typed fields, so that a new engine option can be
//! measured with `--config NAME=OPTIONS` without touching this crate. They are
//! still checked against the runtime's option table first, so a typo fails
//! before minutes of building and running, naming the option.

use anyhow::{Result, bail};
use kcsan_core::config::Flags;

/// One configuration of the runtime.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) name: String,
    pub(crate) options: String,
}

/// The built-in configurations, in table order.
fn builtins() -> Vec<Config> {
    let c = |name: &str, options: &str| Config {
        name: name.to_owned(),
        options: options.to_owned(),
    };
    vec![
        // Watchpoints effectively off (no first watches, 2^40 accesses
        // between two): what the fast path alone costs.
        c(
            "fastpath",
            "first_watches=0:skip_watch=1099511627776:skip_watch_randomize=0",
        ),
        // The kernel's exact behaviour: the runtime's `kernel` preset (its
        // sampling, spin stalls, no stall budget, no first watches).
        c("kernel", "preset=kernel"),
        // Whatever the runtime's defaults are when the benchmark runs.
        c("defaults", ""),
        // The runtime's preset for repeated runs.
        c("hunt", "preset=hunt"),
    ]
}

/// Checks `options` against the option table.
fn validate(name: &str, options: &str) -> Result<()> {
    let mut f = Flags::DEFAULT;
    if let Err(e) = f
        .parse_options(options, "--config")
        .and_then(|()| f.resolve())
    {
        bail!("configuration '{name}': {e}");
    }
    Ok(())
}

/// The configurations to run: the built-ins plus `extra` (`NAME=OPTIONS`; a
/// built-in's name replaces it), restricted to `only` (comma-separated names)
/// when given, in the order `only` names them.
pub(crate) fn select(
    extra: &[String],
    only: Option<&str>,
    default_only: &[&str],
) -> Result<Vec<Config>> {
    let mut all = builtins();
    for spec in extra {
        let Some((name, options)) = spec.split_once('=') else {
            bail!("--config '{spec}': expected NAME=OPTIONS (e.g. budget=max_stall_ratio=0.1)");
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("--config '{spec}': the name must be letters, digits, '_' or '-'");
        }
        if matches!(name, "plain" | "libtsan") {
            bail!("--config '{spec}': '{name}' names a build, not a kcsan configuration");
        }
        let cfg = Config {
            name: name.to_owned(),
            options: options.to_owned(),
        };
        match all.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = cfg,
            None => all.push(cfg),
        }
    }
    let names: Vec<String> = match only {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None if default_only.is_empty() => all.iter().map(|c| c.name.clone()).collect(),
        None => {
            let mut v: Vec<String> = default_only.iter().map(|s| (*s).to_owned()).collect();
            // Configurations given with --config are always run.
            for spec in extra {
                let n = spec.split_once('=').map_or("", |(n, _)| n.trim());
                if !v.iter().any(|x| x == n) {
                    v.push(n.to_owned());
                }
            }
            v
        }
    };
    if names.is_empty() {
        bail!("--configs: no configuration named");
    }
    let mut out = Vec::new();
    for n in &names {
        let Some(c) = all.iter().find(|c| &c.name == n) else {
            let known: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
            bail!(
                "--configs: unknown configuration '{n}' (known: {})",
                known.join(", ")
            );
        };
        validate(&c.name, &c.options)?;
        out.push(c.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_valid_and_extra_replaces() {
        let v = select(&["kernel=delay_mode=spin:skip_watch=100".into()], None, &[]).unwrap();
        let names: Vec<&str> = v.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["fastpath", "kernel", "defaults", "hunt"]);
        assert_eq!(v[1].options, "delay_mode=spin:skip_watch=100");
    }

    #[test]
    fn bad_options_name_the_config_and_option() {
        let e = select(&["x=no_such_option=1".into()], None, &[]).unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("'x'") && msg.contains("no_such_option"),
            "{msg}"
        );
        let e = select(&[], Some("defaults,nope"), &[]).unwrap_err();
        assert!(format!("{e:#}").contains("unknown configuration 'nope'"));
        assert!(select(&["noequals".into()], None, &[]).is_err());
    }

    #[test]
    fn default_selection_adds_extra_configs() {
        let v = select(&["b=skip_watch=10".into()], None, &["defaults"]).unwrap();
        let names: Vec<&str> = v.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["defaults", "b"]);
    }
}
