using System.Diagnostics;

namespace Glimpse.Explain.Tests.Report;

/// <summary>
/// Runs Debian's Chromium headless on a local page. The tests need it and fail (not skip) without it: CI installs it
/// with <c>apt-get install -y chromium</c>. Every run gets a fresh profile and no network-facing services.
/// </summary>
internal static class HeadlessChromium
{
    public const string Path = "/usr/bin/chromium";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The page's DOM after its scripts ran (3 s of virtual time), and Chromium's log, where console errors appear.</summary>
    /// <param name="fragment">Appended to the page's URL, e.g. "#map=3".</param>
    public static (string Dom, string Log) DumpDom(string page, string fragment = "") => Run(["--dump-dom", new Uri(page).AbsoluteUri + fragment]);

    /// <summary>Renders the page into a PNG of the window's size.</summary>
    public static string Screenshot(string page, string png, int width, int height)
    {
        // Without waiting for every compositor stage, a busy machine can get a screenshot whose lower part is unpainted.
        var (_, log) = Run([$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars",
            "--run-all-compositor-stages-before-draw", new Uri(page).AbsoluteUri]);
        Assert.True(File.Exists(png), $"Chromium wrote no screenshot; its log:\n{log}");
        return log;
    }

    private static (string Stdout, string Stderr) Run(IEnumerable<string> arguments)
    {
        Assert.True(File.Exists(Path), $"Chromium is missing at {Path}: the HTML report is tested in a real browser. Install it with `apt-get install -y chromium`.");
        string profile = Directory.CreateTempSubdirectory("glimpse-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in (string[])
                     [
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", $"--user-data-dir={profile}", "--virtual-time-budget=3000",
                         "--enable-logging=stderr", "--v=0",
                     ])
                start.ArgumentList.Add(argument);
            foreach (string argument in arguments) start.ArgumentList.Add(argument);

            using var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"Chromium did not finish within {Timeout.TotalSeconds} s");
            }
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}:\n{stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
