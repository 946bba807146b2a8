namespace Glimpse.Explain.Tests;

public class ProcessMemoryTests
{
    [Theory]
    [InlineData("VmHWM:\t    2164 kB", 2164L * 1024)]
    // From 8 digits on the kernel's padding leaves no space after the tab; this read 0 before.
    [InlineData("VmHWM:\t10485760 kB", 10485760L * 1024)]
    [InlineData("VmHWM:\t123456789 kB", 123456789L * 1024)]
    public void Status_lines_give_their_size_in_bytes_however_they_are_padded(string line, long bytes) =>
        Assert.Equal(bytes, ProcessMemory.StatusBytes(line));

    [Theory]
    [InlineData("VmHWM:")]
    [InlineData("VmHWM:\t12 MB")]
    public void A_line_without_a_size_in_kB_is_refused(string line) =>
        Assert.Throws<FormatException>(() => ProcessMemory.StatusBytes(line));

    [Fact]
    public void The_peak_of_this_process_is_read_on_Linux()
    {
        if (!File.Exists("/proc/self/status")) return;
        Assert.True(ProcessMemory.Peak() > 1024 * 1024, "a .NET process with libtorch loaded holds more than 1 MiB");
    }
}
