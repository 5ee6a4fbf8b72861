//! The permissive rules (`permissive=1`), kept apart so they are easy to audit.
//!
//! They ignore classes of races that are common and usually benign. Reviewers
//! who care about one program should turn them off (the default).

use crate::access::AccessType;

/// Rule 1: addresses whose races are never reported. The kernel ignores its
/// per-task flags word; user space has no such well-known word, so this rule
/// ignores nothing. It is kept so the rule set matches the kernel's shape.
#[inline]
pub(crate) fn ignore_address(_addr: usize) -> bool {
    false
}

/// Rule 2: a plain read of up to 8 bytes that saw exactly one bit change is
/// ignored (bit flags are commonly updated racily), unless the value is
/// boolean-like: one side is 0 and the change is bit 0.
///
/// "Ignored" means the watcher treats the value as unchanged: there is no
/// unknown-origin report, and a known-origin report is dropped by
/// `report_value_change_only` (which `permissive` requires).
pub(crate) fn ignore_data_race(
    permissive: bool,
    size: usize,
    ty: AccessType,
    old: u64,
    new: u64,
    diff: u64,
) -> bool {
    if !permissive || ty != AccessType::READ || size > 8 {
        return false;
    }
    if diff.count_ones() == 1 {
        let boolean_like = (old == 0 || new == 0) && diff == 1;
        return !boolean_like;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_bit_changes_on_plain_reads_are_ignored() {
        assert!(ignore_data_race(
            true,
            8,
            AccessType::READ,
            0x10000,
            0,
            0x10000
        ));
        assert!(
            !ignore_data_race(true, 8, AccessType::READ, 0, 1, 1),
            "boolean-like"
        );
        assert!(
            !ignore_data_race(true, 8, AccessType::READ, 3, 0, 3),
            "two bits"
        );
        assert!(
            !ignore_data_race(true, 8, AccessType::WRITE, 0x10, 0, 0x10),
            "writes"
        );
        assert!(
            !ignore_data_race(false, 8, AccessType::READ, 0x10000, 0, 0x10000),
            "off"
        );
    }
}
