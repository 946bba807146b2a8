using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Glimpse.Pipeline.Tests;

/// <summary>
/// A real Azurite (the Azure Storage emulator, blob and queue services) on free loopback ports, in memory, for the
/// tests that need storage. It runs from tests/.azurite (npm install --prefix tests/.azurite azurite@3.37.0, which
/// .ci/run does and this fixture does when it is missing). Without Node.js, npm or Azurite the tests fail with a
/// message saying what to install: they never skip.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    public const string Version = "3.37.0";
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private string? _workDir;
    private readonly StringBuilder _output = new();

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string script = await EnsureInstalledAsync();
        int blobPort = FreePort(), queuePort = FreePort(), tablePort = FreePort();
        _workDir = Directory.CreateTempSubdirectory("glimpse-azurite-").FullName;
        var start = new ProcessStartInfo("node")
        {
            // Azurite refuses --location together with --inMemoryPersistence; the working folder keeps any stray file out of the repository.
            ArgumentList = { script, "--silent", "--skipApiVersionCheck", "--inMemoryPersistence", "--loose",
                "--blobHost", "127.0.0.1", "--blobPort", $"{blobPort}", "--queueHost", "127.0.0.1", "--queuePort", $"{queuePort}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{tablePort}" },
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitForPortAsync(blobPort);
        await WaitForPortAsync(queuePort);
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};";
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.WaitForExit(10_000);
        _process?.Dispose();
        if (_workDir is not null && Directory.Exists(_workDir)) Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Azurite's entry script under tests/.azurite, installing it there first when it is missing.</summary>
    private static async Task<string> EnsureInstalledAsync()
    {
        string prefix = Path.Combine(RepositoryRoot(), "tests", ".azurite");
        string script = Path.Combine(prefix, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(script)) return script;

        var install = new ProcessStartInfo("npm")
        {
            ArgumentList = { "install", "--prefix", prefix, $"azurite@{Version}", "--no-audit", "--no-fund" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process npm;
        try
        {
            npm = Process.Start(install) ?? throw new InvalidOperationException("npm did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"The pipeline tests need Azurite {Version}, run with Node.js; npm was not found to install it ({e.Message}). " +
                $"Install Node.js and npm, then: npm install --prefix tests/.azurite azurite@{Version}", e);
        }
        using (npm)
        {
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0 || !File.Exists(script))
                throw new InvalidOperationException(
                    $"Installing Azurite failed (npm install --prefix {prefix} azurite@{Version}, exit {npm.ExitCode}):\n{await stdout}\n{await stderr}");
        }
        return script;
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"Azurite exited with status {_process.ExitCode} before listening:\n{Output()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }
        throw new TimeoutException($"Azurite did not listen on port {port} within 60 s:\n{Output()}");
    }

    private string Output()
    {
        lock (_output) return _output.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GlimpseFunctions.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (GlimpseFunctions.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>The tests that share one Azurite and the warm tiny models; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<Azurite>, ICollectionFixture<TinyModels>
{
    public const string Name = "pipeline";
}
