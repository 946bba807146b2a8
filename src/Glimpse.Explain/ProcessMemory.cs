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
    public static long Peak()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return 0; }
    }
}
