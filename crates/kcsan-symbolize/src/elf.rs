//! What is known about one ELF object: its function symbol table (for
//! `function+offset/size`) and, when it has debug info (in the file itself or
//! in a separate file found by build-id or `.gnu_debuglink`), an
//! `addr2line::Context` for file:line and inline frames.
//!
//! Files are mmap'ed read-only; DWARF sections are read straight from the
//! mapping (compressed ones are decompressed into owned buffers).

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gimli::RunTimeEndian;
use object::{CompressionFormat, Object, ObjectSection, ObjectSymbol, SymbolKind, SymbolSection};

use crate::demangle::demangle;

/// A read-only, private mapping of a whole file.
struct Mmap {
    ptr: *const u8,
    len: usize,
}

// SAFETY:
// - the mapping is owned by this value alone and unmapped only by its Drop;
// - nothing writes to it (PROT_READ), so it can move between threads.
unsafe impl Send for Mmap {}
// SAFETY:
// - the mapping is read-only (PROT_READ) and never written through, so shared
//   `&[u8]` views from several threads are sound.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps the whole file at `path`.
    fn open(path: &Path) -> io::Result<Mmap> {
        let file = File::open(path)?;
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("file too large"))?;
        if len == 0 || len > isize::MAX as usize {
            return Err(io::Error::other("empty or oversized file"));
        }
        // SAFETY:
        // - a fresh mapping (addr NULL) of `len` bytes of a file we opened for
        //   reading: it cannot alias any Rust object;
        // - the fd is valid for the call; the mapping stays valid after the
        //   file is closed;
        // - failure is reported as MAP_FAILED and checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mmap {
            ptr: ptr.cast::<u8>().cast_const(),
            len,
        })
    }
}

impl Deref for Mmap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY:
        // - `ptr..ptr+len` is a live PROT_READ mapping owned by `self` (unmapped
        //   only in Drop, which needs `&mut self`), and `len <= isize::MAX`;
        // - nothing writes to it through Rust. (If another process truncates
        //   the file the access faults with SIGBUS rather than reading changed
        //   memory; every mmap-based symbolizer shares that caveat.)
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY:
        // - `ptr`/`len` are exactly the mapping created in `open`, and no
        //   borrow of it can outlive `self`.
        unsafe {
            libc::munmap(self.ptr.cast_mut().cast::<libc::c_void>(), self.len);
        }
    }
}

impl fmt::Debug for Mmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mmap")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .finish()
    }
}

/// Bytes backing a DWARF section: the shared file mapping, or an owned buffer
/// for decompressed (or absent) sections.
#[derive(Debug, Clone)]
enum Bytes {
    Map(Arc<Mmap>),
    Owned(Arc<[u8]>),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Map(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

// SAFETY:
// - both variants deref into a heap/mmap buffer behind an `Arc` that never
//   moves or changes while any clone is alive, so the address is stable
//   across moves of `Bytes`.
unsafe impl gimli::StableDeref for Bytes {}
// SAFETY:
// - cloning clones the `Arc`, which derefs to the very same buffer.
unsafe impl gimli::CloneStableDeref for Bytes {}

/// The DWARF reader: a window into `Bytes`.
type Reader = gimli::EndianReader<RunTimeEndian, Bytes>;

/// One function symbol.
#[derive(Debug, Clone, Copy)]
struct Sym {
    /// ELF virtual address (st_value).
    addr: u64,
    /// st_size (0 if the symbol has none).
    size: u64,
    /// End of the range attributed to the symbol: `addr + size`, or for
    /// size-less symbols the next symbol or the end of the section.
    end: u64,
    /// Name location in `SymTab::names`.
    name: (u32, u32),
}

/// Function symbols sorted by address, names packed in one string.
#[derive(Debug, Default)]
struct SymTab {
    syms: Vec<Sym>,
    names: String,
}

/// A symbol containing an address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SymHit<'a> {
    /// Raw (mangled) name.
    pub(crate) name: &'a str,
    /// ELF virtual address of the symbol.
    pub(crate) addr: u64,
    /// st_size.
    pub(crate) size: u64,
}

/// One DWARF frame: innermost inlined first, containing function last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DwarfFrame {
    /// Demangled function name.
    pub(crate) function: Option<String>,
    /// Source file (absolute if comp_dir was recorded).
    pub(crate) file: Option<String>,
    /// Source line.
    pub(crate) line: Option<u32>,
}

/// Symbols and debug info of one ELF object.
pub(crate) struct ElfInfo {
    symtab: SymTab,
    dwarf: Option<Dwarf>,
}

/// An object's DWARF: addr2line's context for lookups by address, and the
/// sections themselves for walks over every inlined function (focus).
struct Dwarf {
    context: addr2line::Context<Reader>,
    sections: Arc<gimli::Dwarf<Reader>>,
}

impl fmt::Debug for ElfInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElfInfo")
            .field("symbols", &self.symtab.syms.len())
            .field("dwarf", &self.dwarf.is_some())
            .finish()
    }
}

/// Whether `path` is a distribution library (libc, libstdc++, ...). Their
/// separate debug files give symbols but not line tables: file:line inside
/// libc helps nobody read a race report, and parsing libc's DWARF alone costs
/// tens of MiB, which would break the runtime's fixed-memory promise.
pub(crate) fn is_system_library(path: &Path) -> bool {
    ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"]
        .iter()
        .any(|dir| path.starts_with(dir))
}

impl ElfInfo {
    /// Loads the object at `open_path` (`path` is its real name, used to find
    /// separate debug files next to it). `None` if it cannot be read or parsed.
    pub(crate) fn load(open_path: &Path, path: &Path) -> Option<ElfInfo> {
        let map = Arc::new(Mmap::open(open_path).ok()?);
        let file = object::File::parse(&**map).ok()?;

        let mut symtab = SymTab::from_symbols(&file, file.symbols());
        let mut dwarf = load_dwarf(&file, &map);

        if dwarf.is_none() || symtab.syms.is_empty() {
            // Stripped: look for the separate debug file (distro -dbg/-debuginfo
            // packages, `objcopy --only-keep-debug`).
            if let Some(dmap) = find_debug_file(&file, path)
                && let Ok(dfile) = object::File::parse(&**dmap)
            {
                if symtab.syms.is_empty() {
                    symtab = SymTab::from_symbols(&dfile, dfile.symbols());
                }
                if dwarf.is_none() && !is_system_library(path) {
                    dwarf = load_dwarf(&dfile, &dmap);
                }
            }
        }
        if symtab.syms.is_empty() {
            symtab = SymTab::from_symbols(&file, file.dynamic_symbols());
        }
        Some(ElfInfo { symtab, dwarf })
    }

    /// Every function symbol: raw (mangled) name, ELF start and end address.
    pub(crate) fn functions(&self) -> impl Iterator<Item = (&str, u64, u64)> {
        self.symtab.syms.iter().map(|s| {
            let (start, len) = (s.name.0 as usize, s.name.1 as usize);
            (
                self.symtab.names.get(start..start + len).unwrap_or(""),
                s.addr,
                s.end,
            )
        })
    }

    /// The code where a function whose name (as report frames show it)
    /// `wanted` accepts was inlined: `(start, end, name)`, ELF addresses,
    /// from every `DW_TAG_inlined_subroutine` of the object's DWARF. A
    /// frame's name is its origin's linkage name if it has one, else its
    /// name, demangled, as addr2line names inline frames.
    pub(crate) fn inlined_ranges(&self, wanted: &dyn Fn(&str) -> bool) -> Vec<(u64, u64, String)> {
        let mut out = Vec::new();
        let Some(Dwarf {
            sections: dwarf, ..
        }) = &self.dwarf
        else {
            return out;
        };
        let mut headers = Vec::new();
        let mut iter = dwarf.units();
        while let Ok(Some(header)) = iter.next() {
            headers.push(header);
        }
        // Names of origins in other units (`DW_FORM_ref_addr`: rustc's codegen
        // units inline each other's functions), resolved once each.
        let mut foreign: HashMap<usize, Option<String>> = HashMap::new();
        for header in &headers {
            let Ok(unit) = dwarf.unit(header.clone()) else {
                continue;
            };
            let mut cursor = unit.entries();
            while let Ok(Some(entry)) = cursor.next_dfs() {
                if entry.tag() != gimli::DW_TAG_inlined_subroutine {
                    continue;
                }
                let name = match origin_name(dwarf, &unit, entry, 0) {
                    Origin::Name(n) => Some(n),
                    Origin::Foreign(offset) => foreign
                        .entry(offset.0)
                        .or_insert_with(|| foreign_name(dwarf, &headers, offset))
                        .clone(),
                    Origin::None => None,
                };
                let Some(name) = name else { continue };
                if !wanted(&name) {
                    continue;
                }
                if let Ok(mut ranges) = dwarf.die_ranges(&unit, entry) {
                    while let Ok(Some(r)) = ranges.next() {
                        if r.begin < r.end {
                            out.push((r.begin, r.end, name.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    /// The function symbol whose range contains ELF address `probe`.
    pub(crate) fn symbol(&self, probe: u64) -> Option<SymHit<'_>> {
        self.symtab.lookup(probe)
    }

    /// DWARF frames for ELF address `probe`: inlined functions innermost
    /// first, then the containing function. Empty without debug info.
    pub(crate) fn dwarf_frames(&self, probe: u64) -> Vec<DwarfFrame> {
        let Some(Dwarf { context: ctx, .. }) = &self.dwarf else {
            return Vec::new();
        };
        let mut out = Vec::new();
        // Split DWARF (.dwo) is not supported: skip_all_loads answers every
        // load request with "not found".
        let Ok(mut iter) = ctx.find_frames(probe).skip_all_loads() else {
            return out;
        };
        // Bounded, in case of corrupt (cyclic) inline trees.
        while let Ok(Some(frame)) = iter.next() {
            let function = frame
                .function
                .as_ref()
                .and_then(|f| f.raw_name().ok())
                .map(|n| demangle(&n));
            let (file, line) = match frame.location {
                Some(loc) => (loc.file.map(str::to_owned), loc.line),
                None => (None, None),
            };
            out.push(DwarfFrame {
                function,
                file,
                line,
            });
            if out.len() >= 256 {
                break;
            }
        }
        out
    }
}

impl SymTab {
    /// Builds the table from one symbol table of `file`.
    fn from_symbols<'data, 'file>(
        file: &'file object::File<'data>,
        symbols: object::read::SymbolIterator<'data, 'file>,
    ) -> SymTab {
        // (sym, section end, preference rank)
        let mut raw: Vec<(Sym, u64, (usize, u8))> = Vec::new();
        let mut names = String::new();
        for s in symbols {
            if s.kind() != SymbolKind::Text || !s.is_definition() || s.address() == 0 {
                continue;
            }
            let Ok(name) = s.name() else { continue };
            if name.is_empty() {
                continue;
            }
            let (Ok(start), Ok(len)) = (u32::try_from(names.len()), u32::try_from(name.len()))
            else {
                break;
            };
            names.push_str(name);
            let section_end = match s.section() {
                SymbolSection::Section(idx) => file
                    .section_by_index(idx)
                    .map(|sec| sec.address().saturating_add(sec.size()))
                    .unwrap_or(u64::MAX),
                _ => u64::MAX,
            };
            // Among aliases prefer the plain name ("write" over "__libc_write"),
            // then global over weak over local.
            let underscores = name.bytes().take_while(|&b| b == b'_').count();
            let binding = if s.is_global() {
                0
            } else if s.is_weak() {
                1
            } else {
                2
            };
            let sym = Sym {
                addr: s.address(),
                size: s.size(),
                end: 0,
                name: (start, len),
            };
            raw.push((sym, section_end, (underscores, binding)));
        }
        // Sized symbols first among aliases, then by preference.
        raw.sort_by_key(|(s, _, rank)| (s.addr, s.size == 0, *rank));
        raw.dedup_by_key(|(s, _, _)| s.addr);

        let mut syms = Vec::with_capacity(raw.len());
        for i in 0..raw.len() {
            let (mut sym, section_end, _) = raw[i];
            sym.end = if sym.size != 0 {
                sym.addr.saturating_add(sym.size)
            } else {
                let next = raw.get(i + 1).map_or(u64::MAX, |(n, _, _)| n.addr);
                next.min(section_end)
            };
            if sym.end > sym.addr {
                syms.push(sym);
            }
        }
        SymTab { syms, names }
    }

    /// The symbol whose range contains `probe`.
    fn lookup(&self, probe: u64) -> Option<SymHit<'_>> {
        let after = self.syms.partition_point(|s| s.addr <= probe);
        // Usually the closest preceding symbol; look a little further back
        // for one that encloses a smaller, nested one.
        self.syms[..after]
            .iter()
            .rev()
            .take(16)
            .find(|s| probe < s.end)
            .map(|s| {
                let (start, len) = (s.name.0 as usize, s.name.1 as usize);
                SymHit {
                    name: self.names.get(start..start + len).unwrap_or(""),
                    addr: s.addr,
                    size: s.size,
                }
            })
    }
}

/// Where a DIE's name is.
enum Origin {
    /// Found: demangled.
    Name(String),
    /// In another unit, at this `.debug_info` offset.
    Foreign(gimli::DebugInfoOffset<usize>),
    None,
}

/// The demangled name of a DIE: its linkage name, else its name, else its
/// abstract origin's or specification's (a few levels deep).
fn origin_name(
    dwarf: &gimli::Dwarf<Reader>,
    unit: &gimli::Unit<Reader>,
    entry: &gimli::DebuggingInformationEntry<Reader>,
    depth: u32,
) -> Origin {
    for at in [
        gimli::DW_AT_linkage_name,
        gimli::DW_AT_MIPS_linkage_name,
        gimli::DW_AT_name,
    ] {
        if let Some(v) = entry.attr_value(at)
            && let Ok(s) = dwarf.attr_string(unit, v)
            && let Ok(text) = gimli::Reader::to_string_lossy(&s)
        {
            return Origin::Name(demangle(&text));
        }
    }
    if depth >= 8 {
        return Origin::None;
    }
    for at in [gimli::DW_AT_abstract_origin, gimli::DW_AT_specification] {
        match entry.attr_value(at) {
            Some(gimli::AttributeValue::UnitRef(offset)) => {
                return match unit.entry(offset) {
                    Ok(origin) => origin_name(dwarf, unit, &origin, depth + 1),
                    Err(_) => Origin::None,
                };
            }
            Some(gimli::AttributeValue::DebugInfoRef(offset)) => return Origin::Foreign(offset),
            _ => {}
        }
    }
    Origin::None
}

/// The name of the DIE at `.debug_info` offset `offset`, in whichever unit
/// holds it.
fn foreign_name(
    dwarf: &gimli::Dwarf<Reader>,
    headers: &[gimli::UnitHeader<Reader>],
    offset: gimli::DebugInfoOffset<usize>,
) -> Option<String> {
    let header = headers
        .iter()
        .find(|h| offset.to_unit_offset(h).is_some())?;
    let unit = dwarf.unit(header.clone()).ok()?;
    let entry = unit.entry(offset.to_unit_offset(header)?).ok()?;
    match origin_name(dwarf, &unit, &entry, 1) {
        Origin::Name(n) => Some(n),
        // One more hop across units is rare; stop there.
        _ => None,
    }
}

/// Builds the addr2line context from `file`'s DWARF sections, if it has any.
fn load_dwarf(file: &object::File<'_>, map: &Arc<Mmap>) -> Option<Dwarf> {
    let info = file.section_by_name(".debug_info")?;
    if info.size() == 0 || info.file_range().is_none() {
        return None;
    }
    let endian = if file.is_little_endian() {
        RunTimeEndian::Little
    } else {
        RunTimeEndian::Big
    };
    let dwarf = gimli::Dwarf::load(|id| -> Result<Reader, ()> {
        Ok(section_reader(file, map, id.name(), endian))
    })
    .ok()?;
    let sections = Arc::new(dwarf);
    let context = addr2line::Context::from_arc_dwarf(sections.clone()).ok()?;
    Some(Dwarf { context, sections })
}

/// A reader over section `name` of `file` (empty if absent or unreadable).
fn section_reader(
    file: &object::File<'_>,
    map: &Arc<Mmap>,
    name: &str,
    endian: RunTimeEndian,
) -> Reader {
    let empty = || Reader::new(Bytes::Owned(Arc::from(&[][..])), endian);
    let Some(sec) = file.section_by_name(name) else {
        return empty();
    };
    let Some((offset, size)) = sec.file_range() else {
        // SHT_NOBITS: present in the headers only.
        return empty();
    };
    match sec.compressed_file_range() {
        Ok(r) if r.format == CompressionFormat::None => {
            let (Ok(start), Ok(len)) = (usize::try_from(offset), usize::try_from(size)) else {
                return empty();
            };
            match start.checked_add(len) {
                Some(end) if end <= map.len() => {
                    Reader::new(Bytes::Map(map.clone()), endian).range(start..end)
                }
                _ => empty(),
            }
        }
        Ok(_) => match sec.uncompressed_data() {
            Ok(data) => Reader::new(Bytes::Owned(Arc::from(&*data)), endian),
            Err(_) => empty(),
        },
        Err(_) => empty(),
    }
}

/// Finds and maps the separate debug file of a stripped object: by build-id
/// under /usr/lib/debug/.build-id, else by `.gnu_debuglink` in the usual
/// places. A found file must carry the same build-id (when there is one).
fn find_debug_file(file: &object::File<'_>, path: &Path) -> Option<Arc<Mmap>> {
    let build_id = file.build_id().ok().flatten().filter(|id| id.len() >= 2);
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(id) = build_id {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        candidates.push(PathBuf::from(format!(
            "/usr/lib/debug/.build-id/{}/{}.debug",
            &hex[..2],
            &hex[2..]
        )));
    }
    if let Ok(Some((link, _crc))) = file.gnu_debuglink() {
        let link = Path::new(std::str::from_utf8(link).ok()?);
        let dir = path.parent().unwrap_or(Path::new("/"));
        candidates.push(dir.join(link));
        candidates.push(dir.join(".debug").join(link));
        if let Ok(rel) = dir.strip_prefix("/") {
            candidates.push(Path::new("/usr/lib/debug").join(rel).join(link));
        }
    }
    for cand in candidates {
        if cand == path || !cand.is_file() {
            continue;
        }
        let Ok(map) = Mmap::open(&cand) else { continue };
        let Ok(dfile) = object::File::parse(&*map) else {
            continue;
        };
        let same = match build_id {
            Some(id) => dfile.build_id().ok().flatten() == Some(id),
            None => true,
        };
        if same {
            return Some(Arc::new(map));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_self() {
        let info = ElfInfo::load(Path::new("/proc/self/exe"), Path::new("/proc/self/exe"))
            .expect("own executable parses");
        assert!(!info.symtab.syms.is_empty());
        assert!(info.dwarf.is_some(), "test binaries have debug info");
        assert!(info.symtab.syms.windows(2).all(|w| w[0].addr < w[1].addr));
        assert!(info.symtab.syms.iter().all(|s| s.end > s.addr));
    }

    #[test]
    fn load_garbage() {
        assert!(ElfInfo::load(Path::new("/nonexistent"), Path::new("/nonexistent")).is_none());
        assert!(ElfInfo::load(Path::new("/proc/self/status"), Path::new("/x")).is_none());
        let cargo_toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        assert!(ElfInfo::load(&cargo_toml, &cargo_toml).is_none());
    }
}
