#nullable enable
// MSBuild inline task (see TorchSharpNativeFix.targets). Finds every libLibTorchSharp.so under a folder and, when the
// system libstdc++ lacks the requested symbol version, sets VER_FLG_WEAK on that version's entry in .gnu.version_r.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxRequirement : Task
{
    [Required] public string Directory { get; set; } = "";
    [Required] public string Version { get; set; } = "";
    /// <summary>
    /// Patch even when this machine's libstdc++ has the version: for output that runs elsewhere, such as a container
    /// image whose runtime base is older than the image it was built in.
    /// </summary>
    public bool Always { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    static readonly string[] SystemLibstdcxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        string[] targets = System.IO.Directory.GetFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (targets.Length == 0) return true;

        if (!Always && !SystemLacksVersion()) return true;

        foreach (string path in targets)
        {
            try
            {
                switch (Weaken(path, Version))
                {
                    case 1: Log.LogMessage(MessageImportance.High, $"Marked {Version} weak in {path}"); break;
                    case 0: Log.LogMessage(MessageImportance.Low, $"{path}: {Version} already weak"); break;
                    default: Log.LogMessage(MessageImportance.Low, $"{path}: no {Version} requirement"); break;
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                Log.LogError($"Could not patch {path}: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    bool SystemLacksVersion()
    {
        string? systemLib = Array.Find(SystemLibstdcxx, File.Exists);
        if (systemLib is null)
        {
            Log.LogMessage(MessageImportance.Low, "No system libstdc++ found; leaving libLibTorchSharp.so as shipped.");
            return false;
        }
        if (Contains(File.ReadAllBytes(systemLib), Encoding.ASCII.GetBytes(Version + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, $"{systemLib} provides {Version}; no patch needed.");
            return false;
        }
        return true;
    }

    /// <returns>1 patched, 0 already weak, -1 no such requirement.</returns>
    static int Weaken(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 24));
            int link = (int)BitConverter.ToUInt32(elf, sh + 40);
            int entries = (int)BitConverter.ToUInt32(elf, sh + 44);
            int strtab = checked((int)BitConverter.ToUInt64(elf, checked((int)shoff + link * shentsize) + 24));

            int need = offset;
            for (int n = 0; n < entries; n++)
            {
                int count = BitConverter.ToUInt16(elf, need + 2);
                int aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (int a = 0; a < count; a++)
                {
                    int name = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    if (ReadCString(elf, name) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlgWeak) != 0) return 0;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(elf, aux + 4);
                        File.WriteAllBytes(path, elf);
                        return 1;
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                need += (int)BitConverter.ToUInt32(elf, need + 12);
            }
        }
        return -1;
    }

    static string ReadCString(byte[] data, int start)
    {
        int end = Array.IndexOf(data, (byte)0, start);
        return Encoding.ASCII.GetString(data, start, end - start);
    }

    static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }
}
