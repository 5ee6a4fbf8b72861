//! `kcsan flags`: the option table, with defaults and help.

use kcsan_core::config::Flags;

/// Prints the table as text, or as the Markdown table GUIDE.md embeds.
pub(crate) fn print(markdown: bool) {
    let flags = Flags::describe();
    if markdown {
        println!("| option | default | accepts | kernel | meaning |");
        println!("|---|---|---|---|---|");
        for f in &flags {
            let doc = f.doc.split_whitespace().collect::<Vec<_>>().join(" ");
            let default = if f.default.is_empty() {
                "(empty)"
            } else {
                &f.default
            };
            println!(
                "| `{}` | `{}` | {} | `{}` | {} |",
                f.name, default, f.accepts, f.kernel, doc
            );
        }
        return;
    }
    println!("Options are set in KCSAN_OPTIONS as name=value pairs separated by ':',");
    println!(
        "e.g. KCSAN_OPTIONS=\"skip_watch=100:udelay_task=200\", or with `kcsan run -o name=value`.\n"
    );
    for f in &flags {
        println!("{}={}", f.name, f.default);
        println!("    accepts: {}; kernel: {}", f.accepts, f.kernel);
        for line in f.doc.lines() {
            println!("    {}", line.trim());
        }
        println!();
    }
}
