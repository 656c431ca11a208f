#!/usr/bin/env python3
"""Marks one version requirement (a .gnu.version_r auxiliary entry) of an ELF64 shared library as weak.

A weak version requirement (VER_FLG_WEAK) makes the dynamic loader skip the fatal
"version `X' not found" check for that version. Usage: elf_weaken_version.py FILE VERSION.
Exit code 0 when the entry is weak afterwards (already or newly), 3 when FILE has no such entry.
"""
import struct
import sys

VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


def main(path: str, version: str) -> int:
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            print(f"{path}: not a little-endian ELF64 file", file=sys.stderr)
            return 2
        e_shoff, = struct.unpack_from("<Q", data, 0x28)
        e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = []
        for i in range(e_shnum):
            off = e_shoff + i * e_shentsize
            _, sh_type, _, _, sh_offset, sh_size, sh_link, sh_info = struct.unpack_from("<IIQQQQII", data, off)
            sections.append((sh_type, sh_offset, sh_size, sh_link, sh_info))
        for sh_type, sh_offset, _, sh_link, sh_info in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[sh_link][1]
            entry = sh_offset
            for _ in range(sh_info):
                _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, entry)
                aux = entry + vn_aux
                for _ in range(vn_cnt):
                    _, vna_flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                    name_start = strtab + vna_name
                    name = bytes(data[name_start:data.index(b"\0", name_start)]).decode()
                    if name == version:
                        if vna_flags & VER_FLG_WEAK:
                            return 0
                        struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                        f.seek(0)
                        f.write(data)
                        return 0
                    aux += vna_next
                entry += vn_next
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
