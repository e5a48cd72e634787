//! The kernel's BTF (`/sys/kernel/btf/vmlinux`): where the BPF program finds the kernel functions
//! (kfuncs) that it calls, by their BTF type IDs.

use std::io;

/// The kernel's own BTF, as it exports it.
pub(crate) const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

const MAGIC: u16 = 0xeb9f;
const KIND_FUNC: u32 = 12;

/// The type ID of the function `name` (`BTF_KIND_FUNC`) in `btf`, a BTF blob in this machine's
/// byte order. An error if `btf` is not one or has no such function.
pub(crate) fn function_id(btf: &[u8], name: &str) -> io::Result<u32> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("BTF: {what}"));
    let u32_at = |offset: usize| -> io::Result<u32> {
        btf.get(offset..offset + 4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| invalid("truncated"))
    };
    if btf.get(..2) != Some(&MAGIC.to_ne_bytes()[..]) {
        return Err(invalid("no BTF magic"));
    }
    // The header: magic, version, flags, hdr_len, then the sections' offsets (from the header's
    // end) and lengths.
    let header = u32_at(4)? as usize;
    let (types, types_len) = (header + u32_at(8)? as usize, u32_at(12)? as usize);
    let strings = header + u32_at(16)? as usize;
    let strings_len = u32_at(20)? as usize;
    let string = |offset: u32| -> io::Result<&[u8]> {
        let start = strings + offset as usize;
        let all = btf
            .get(start..strings + strings_len)
            .ok_or_else(|| invalid("a name outside the strings"))?;
        Ok(&all[..all.iter().position(|&b| b == 0).unwrap_or(all.len())])
    };
    let (mut at, mut id) = (types, 1);
    while at < types + types_len {
        // struct btf_type: name_off, info (kind in bits 24-28, vlen in 0-15), size or type.
        let info = u32_at(at + 4)?;
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        if kind == KIND_FUNC && string(u32_at(at)?)? == name.as_bytes() {
            return Ok(id);
        }
        // What follows each kind (include/uapi/linux/btf.h).
        at += 12
            + match kind {
                1 | 14 | 17 => 4,     // INT, VAR, DECL_TAG: one u32
                3 => 12,              // ARRAY: struct btf_array
                4 | 5 => 12 * vlen,   // STRUCT, UNION: struct btf_member each
                6 | 13 => 8 * vlen,   // ENUM: btf_enum; FUNC_PROTO: btf_param
                15 | 19 => 12 * vlen, // DATASEC: btf_var_secinfo; ENUM64: btf_enum64
                2 | 7..=12 | 16 | 18 => 0,
                _ => return Err(invalid(&format!("unknown kind {kind}"))),
            };
        id += 1;
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("BTF: no function {name}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BTF blob of `types` (name offset, info, size/type, then the extra words) and `strings`.
    fn blob(types: &[&[u32]], strings: &[u8]) -> Vec<u8> {
        let words: Vec<u32> = types.iter().flat_map(|t| t.iter().copied()).collect();
        let types_len = 4 * words.len() as u32;
        let mut btf = Vec::new();
        btf.extend(MAGIC.to_ne_bytes());
        btf.extend([1, 0]);
        for word in [24, 0, types_len, types_len, strings.len() as u32] {
            btf.extend(word.to_ne_bytes());
        }
        for word in words {
            btf.extend(word.to_ne_bytes());
        }
        btf.extend(strings);
        btf
    }

    #[test]
    fn finds_a_function_after_types_of_every_size() {
        let strings = b"\0int\0s\0bpf_task_from_pid\0bpf_send_signal_task\0";
        let btf = blob(
            &[
                &[1, 1 << 24, 4, 32],                      // 1: INT int
                &[5, (4 << 24) | 2, 8, 1, 1, 0, 1, 1, 32], // 2: STRUCT s, two members
                &[0, (13 << 24) | 1, 1, 0, 1],             // 3: FUNC_PROTO int (int)
                &[7, 12 << 24, 3],                         // 4: FUNC bpf_task_from_pid
                &[25, 12 << 24, 3],                        // 5: FUNC bpf_send_signal_task
            ],
            strings,
        );
        assert_eq!(function_id(&btf, "bpf_task_from_pid").unwrap(), 4);
        assert_eq!(function_id(&btf, "bpf_send_signal_task").unwrap(), 5);
        // A type's name is not a function's.
        let error = function_id(&btf, "int").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(function_id(&btf[..30], "bpf_task_from_pid").is_err());
        assert!(function_id(b"not BTF", "bpf_task_from_pid").is_err());
    }
}
