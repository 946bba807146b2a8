using System.Diagnostics;

namespace Glimpse.Hosts.Tests;

/// <summary>The real <c>glimpse</c> CLI (built beside these tests by the project reference) run as a child process.</summary>
internal static class GlimpseExecutable
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        // The test host runs under the dotnet muxer; the CLI is a framework-dependent glimpse.dll beside the tests.
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "glimpse.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>Runs to the end; the exit code and stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        using var process = Process.Start(StartInfo(arguments)) ?? throw new InvalidOperationException("glimpse did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
