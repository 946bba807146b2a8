using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Glimpse.Pipeline.Hosting;

/// <summary>
/// Azurite (the Azure Storage emulator) for <c>glimpse local</c>: used as it is when something already answers on its
/// blob port, else started from tests/.azurite (the repository's pinned install) or from PATH, with its data kept
/// under the user's local application data so jobs survive a restart.
/// </summary>
public sealed class AzuriteLauncher : IDisposable
{
    public const string Version = "3.37.0";
    public const string InstallHint = $"npm install --prefix tests/.azurite azurite@{Version}";
    /// <summary>Azurite's well-known development account: public, documented by Microsoft, valid only against the emulator.</summary>
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;

    private AzuriteLauncher(int blobPort, bool started, Process? process)
    {
        BlobPort = blobPort;
        Started = started;
        _process = process;
    }

    public int BlobPort { get; }
    public int QueuePort => BlobPort + 1;
    /// <summary>True when this launcher started Azurite (and stops it when disposed).</summary>
    public bool Started { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort);

    /// <summary>The connection string of an Azurite whose blob service listens on <paramref name="blobPort"/> and queues on the next port.</summary>
    public static string ConnectionStringFor(int blobPort) =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{DevAccount};QueueEndpoint=http://127.0.0.1:{blobPort + 1}/{DevAccount};";

    /// <summary>Azurite on <paramref name="blobPort"/> (queues on the next port): the running one, or one started now.</summary>
    public static async Task<AzuriteLauncher> EnsureRunningAsync(int blobPort, TextWriter log, CancellationToken cancellationToken)
    {
        if (await AnswersAsync(blobPort, cancellationToken)) return new AzuriteLauncher(blobPort, started: false, null);

        var (file, prefixArguments) = FindAzurite() ?? throw new AzuriteUnavailableException(
            $"Azurite is not running on port {blobPort} and is not installed. Install it with: {InstallHint} (needs Node.js), or run it yourself and pass --azurite-port.");
        string data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "glimpse", "azurite");
        Directory.CreateDirectory(data);
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in prefixArguments) start.ArgumentList.Add(argument);
        foreach (string argument in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--location", data,
            "--blobHost", "127.0.0.1", "--blobPort", $"{blobPort}", "--queueHost", "127.0.0.1", "--queuePort", $"{blobPort + 1}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{blobPort + 2}",
        }) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new AzuriteUnavailableException($"Could not start Azurite ({file}).");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) log.WriteLine($"azurite: {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launcher = new AzuriteLauncher(blobPort, started: true, process);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await AnswersAsync(blobPort, cancellationToken) || !await AnswersAsync(blobPort + 1, cancellationToken))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                launcher.Dispose();
                throw new AzuriteUnavailableException($"Azurite did not start on ports {blobPort}-{blobPort + 2} (are they in use?). Data folder: {data}");
            }
            await Task.Delay(200, cancellationToken);
        }
        log.WriteLine($"Started Azurite {Version} on 127.0.0.1:{blobPort} (blob) and :{blobPort + 1} (queue); data in {data}");
        return launcher;
    }

    /// <summary>Node with the repository's tests/.azurite install (searched upwards from here and from the tool), or azurite on PATH.</summary>
    private static (string File, string[] Arguments)? FindAzurite()
    {
        foreach (string from in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                string script = Path.Combine(dir.FullName, "tests", ".azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
                if (File.Exists(script)) return ("node", [script]);
            }
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
            if (File.Exists(candidate)) return (candidate, []);
        }
        return null;
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
        _process = null;
    }
}

/// <summary>Azurite is not installed, or did not start; the message says what to do.</summary>
public sealed class AzuriteUnavailableException(string message) : Exception(message);
