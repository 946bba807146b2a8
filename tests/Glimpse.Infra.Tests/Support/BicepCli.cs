using System.Diagnostics;
using System.Reflection;

namespace Glimpse.Infra.Tests.Support;

/// <summary>
/// The Bicep CLI that restore downloaded (PackageDownload of Azure.Bicep.CommandLine.linux-x64 in the project file):
/// found under the NuGet packages folder restore used, which the build records in the assembly's metadata.
/// </summary>
public static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static string Version => Metadata("BicepCliVersion");

    public static string ExecutablePath
    {
        get
        {
            var candidates = new List<string>();
            foreach (string root in PackageRoots())
                candidates.Add(Path.Combine(root, PackageId, Version, "tools", "bicep"));
            string? found = candidates.FirstOrDefault(File.Exists);
            if (found is null)
                throw new InvalidOperationException(
                    $"Bicep CLI {Version} not found (looked at {string.Join(", ", candidates)}); run dotnet restore on tests/Glimpse.Infra.Tests.");
            EnsureExecutable(found);
            return found;
        }
    }

    /// <summary>Runs the CLI with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<Result> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry, no first-run banner; the CLI is a self-contained .NET program.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the Bicep CLI.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static IEnumerable<string> PackageRoots()
    {
        string recorded = Metadata("NuGetPackageRoot");
        if (!string.IsNullOrEmpty(recorded)) yield return recorded;
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } fromEnvironment) yield return fromEnvironment;
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    /// <summary>NuGet extraction does not always keep the execute bit of a package's tools.</summary>
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        UnixFileMode mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(path, mode | execute);
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no {key} metadata (see Glimpse.Infra.Tests.csproj).");
}
