using System.Runtime.InteropServices;

namespace Glimpse.Explain;

/// <summary>
/// Peak resident memory of this process (Linux VmHWM, which /proc/self/clear_refs resets). Reported as an absolute
/// figure: memory the allocator kept from earlier work is part of it, and differences of two readings are not reliable
/// (resident memory can fall and rise between them).
/// </summary>
public static class ProcessMemory
{
    /// <summary>Resets the peak to the current resident size (no effect where /proc is absent).</summary>
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The peak resident size since the last reset, in bytes (0 where /proc is absent).</summary>
    public static long Peak() => StatusField("VmHWM:");

    /// <summary>The resident size now, in bytes (0 where /proc is absent).</summary>
    public static long Resident() => StatusField("VmRSS:");

    /// <summary>
    /// Hands memory that glibc's allocator keeps after it was freed back to the system (malloc_trim), so that a
    /// benchmark's measurement does not start from what the one before it left. Only benchmarks call it: the explain
    /// path itself must not depend on it. False where there is no glibc.
    /// </summary>
    public static bool ReturnFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return malloc_trim(0) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc.so.6")]
    private static extern int malloc_trim(nuint pad);

    private static long StatusField(string name)
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : StatusBytes(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return 0; }
    }

    /// <summary>
    /// The size on a /proc status line such as <c>"VmHWM:\t    2164 kB"</c>, in bytes. The kernel pads the number with
    /// spaces after a tab, so from 8 digits on (about 9.5 GiB) no space is left: the fields are split on any white space.
    /// </summary>
    /// <exception cref="FormatException">The line holds no size in kB.</exception>
    public static long StatusBytes(string line)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 3 || fields[2] != "kB") throw new FormatException($"'{line}' is not a /proc size line");
        return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
