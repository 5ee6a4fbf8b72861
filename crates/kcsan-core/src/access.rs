//! Access types: the `KCSAN_ACCESS_*` bits that describe one memory access.
//!
//! kcsan.rst "Data Races": an access is *plain* or *marked* (atomic), a read or a
//! write; compound read-modify-writes, assertions and scoped (reordered) accesses
//! are further kinds. The same bits travel from the `__tsan_*` entry point through
//! the fast path into reports, where [`AccessType::describe`] turns them into the
//! kernel's wording (`read-write (marked)`, `assert no writes`, ...).

/// The type of one access, as a set of `KCSAN_ACCESS_*` bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct AccessType(pub u32);

impl AccessType {
    /// A plain read (no bits set).
    pub const READ: AccessType = AccessType(0);
    /// The access writes (absent: it reads).
    pub const WRITE: AccessType = AccessType(1 << 0);
    /// A compound read-modify-write; always together with `WRITE`.
    pub const COMPOUND: AccessType = AccessType(1 << 1);
    /// A marked access (atomic, volatile, `READ_ONCE`): never sets watchpoints.
    pub const ATOMIC: AccessType = AccessType(1 << 2);
    /// An assertion (`ASSERT_EXCLUSIVE_*`), not a real access.
    pub const ASSERT: AccessType = AccessType(1 << 3);
    /// A scoped access or a weak-memory replay; reported as "(reordered)".
    pub const SCOPED: AccessType = AccessType(1 << 4);

    /// `read-write`: what compilers emit for `x++` with compound instrumentation.
    pub const READ_WRITE: AccessType = AccessType(Self::COMPOUND.0 | Self::WRITE.0);

    /// Whether every bit of `other` is set in `self`.
    #[inline(always)]
    pub const fn has(self, other: AccessType) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two types.
    #[inline(always)]
    pub const fn with(self, other: AccessType) -> AccessType {
        AccessType(self.0 | other.0)
    }

    /// The type without the bits of `other`.
    #[inline(always)]
    pub const fn without(self, other: AccessType) -> AccessType {
        AccessType(self.0 & !other.0)
    }

    /// Whether the access writes.
    #[inline(always)]
    pub const fn is_write(self) -> bool {
        self.has(Self::WRITE)
    }

    /// Whether the access is marked.
    #[inline(always)]
    pub const fn is_atomic(self) -> bool {
        self.has(Self::ATOMIC)
    }

    /// Whether the access is an assertion.
    #[inline(always)]
    pub const fn is_assert(self) -> bool {
        self.has(Self::ASSERT)
    }

    /// The kernel's wording for this access type, as printed in reports.
    pub fn describe(self) -> &'static str {
        let scoped = self.has(Self::SCOPED);
        if self.is_assert() {
            return match (self.is_write(), scoped) {
                (false, false) => "assert no writes",
                (true, false) => "assert no accesses",
                (false, true) => "assert no writes (reordered)",
                (true, true) => "assert no accesses (reordered)",
            };
        }
        let marked = self.is_atomic();
        let rw = self.has(Self::COMPOUND) && self.is_write();
        match (rw, self.is_write(), marked, scoped) {
            (true, _, false, false) => "read-write",
            (true, _, true, false) => "read-write (marked)",
            (true, _, false, true) => "read-write (reordered)",
            (true, _, true, true) => "read-write (marked, reordered)",
            (false, true, false, false) => "write",
            (false, true, true, false) => "write (marked)",
            (false, true, false, true) => "write (reordered)",
            (false, true, true, true) => "write (marked, reordered)",
            (false, false, false, false) => "read",
            (false, false, true, false) => "read (marked)",
            (false, false, false, true) => "read (reordered)",
            (false, false, true, true) => "read (marked, reordered)",
        }
    }
}

impl core::fmt::Debug for AccessType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AccessType({:#x}: {})", self.0, self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::AccessType as T;

    #[test]
    fn describe_matches_the_kernel_table() {
        let cases = [
            (T::READ, "read"),
            (T::ATOMIC, "read (marked)"),
            (T::WRITE, "write"),
            (T::WRITE.with(T::ATOMIC), "write (marked)"),
            (T::READ_WRITE, "read-write"),
            (T::READ_WRITE.with(T::ATOMIC), "read-write (marked)"),
            (T::SCOPED, "read (reordered)"),
            (T::SCOPED.with(T::ATOMIC), "read (marked, reordered)"),
            (T::SCOPED.with(T::WRITE), "write (reordered)"),
            (
                T::SCOPED.with(T::WRITE).with(T::ATOMIC),
                "write (marked, reordered)",
            ),
            (T::SCOPED.with(T::READ_WRITE), "read-write (reordered)"),
            (
                T::SCOPED.with(T::READ_WRITE).with(T::ATOMIC),
                "read-write (marked, reordered)",
            ),
            (T::ASSERT, "assert no writes"),
            (T::ASSERT.with(T::WRITE), "assert no accesses"),
            (T::ASSERT.with(T::SCOPED), "assert no writes (reordered)"),
            (
                T::ASSERT.with(T::WRITE).with(T::SCOPED),
                "assert no accesses (reordered)",
            ),
        ];
        for (ty, want) in cases {
            assert_eq!(ty.describe(), want, "wording of {:#x}", ty.0);
        }
    }
}
