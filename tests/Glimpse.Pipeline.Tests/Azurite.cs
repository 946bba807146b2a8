using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Glimpse.Pipeline.Tests;

/// <summary>
/// A real Azurite (the Azure Storage emulator, blob and queue services) on free loopback ports, in memory, for the
/// tests that need storage; or, with <see cref="AzuriteOptions.Persistent"/>, on disk so it can be restarted on the same
/// ports mid-test (<see cref="RestartAsync"/>). It runs from tests/.azurite (npm install --prefix tests/.azurite azurite@3.37.0, which
/// .ci/run does and this fixture does when it is missing). Without Node.js, npm or Azurite the tests fail with a
/// message saying what to install: they never skip.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    public const string Version = "3.37.0";
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly AzuriteOptions _options;
    private Process? _process;
    private string? _workDir;
    private int _blobPort, _queuePort, _tablePort;
    private readonly StringBuilder _output = new();

    /// <summary>In memory: what most tests need, and the fastest. (xunit wants one public constructor on a fixture.)</summary>
    public Azurite() : this(new AzuriteOptions()) { }

    private Azurite(AzuriteOptions options) => _options = options;

    /// <summary>An Azurite of a test's own, e.g. a persistent one to restart; the test initializes and disposes it.</summary>
    public static Azurite Create(AzuriteOptions options) => new(options);

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _blobPort = FreePort();
        _queuePort = FreePort();
        _tablePort = FreePort();
        _workDir = Directory.CreateTempSubdirectory("glimpse-azurite-").FullName;
        await StartProcessAsync();
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{_blobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{_queuePort}/{AccountName};";
    }

    /// <summary>
    /// Stops Azurite as a service restart does (SIGTERM, so it writes its state out), then starts a new process on the
    /// same ports and folder: clients keep their connection string. Only a <see cref="AzuriteOptions.Persistent"/>
    /// Azurite keeps its blobs and messages across this.
    /// </summary>
    /// <param name="whileDown">Runs while nothing listens on the ports.</param>
    public async Task RestartAsync(Func<Task>? whileDown = null)
    {
        await StopProcessAsync();
        if (whileDown is not null) await whileDown();
        await StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        string script = await EnsureInstalledAsync();
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { script, "--silent", "--skipApiVersionCheck", "--loose",
                "--blobHost", "127.0.0.1", "--blobPort", $"{_blobPort}", "--queueHost", "127.0.0.1", "--queuePort", $"{_queuePort}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{_tablePort}" },
            // Azurite refuses --location together with --inMemoryPersistence; in memory, the working folder keeps any
            // stray file out of the repository.
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_options.Persistent)
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(_workDir!);
        }
        else
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitForPortAsync(_blobPort);
        await WaitForPortAsync(_queuePort);
    }

    /// <summary>
    /// SIGTERM, then a wait until Azurite says its blob and queue services closed (each saves its metadata to disk as
    /// it closes); the process itself may linger after that (it keeps timers), so it is then killed. Killed at once where
    /// it does not close within 20 s.
    /// </summary>
    private async Task StopProcessAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited && SendTerminate(_process.Id) == 0)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline && !_process.HasExited; await Task.Delay(100))
            {
                string output = Output();
                if (output.Contains("Blob service successfully closed", StringComparison.Ordinal)
                    && output.Contains("Queue service successfully closed", StringComparison.Ordinal))
                    break;
            }
        }
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
        lock (_output) _output.Clear();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Sends SIGTERM (15 on Linux); non-zero where it could not be sent.</summary>
    public static int SendTerminate(int pid) => OperatingSystem.IsWindows() ? -1 : Kill(pid, 15);

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        if (_process is not null) await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
        if (_workDir is not null && Directory.Exists(_workDir)) Directory.Delete(_workDir, recursive: true);
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

        // Test projects run in parallel and each may find Azurite missing on a fresh clone: one installs, the others
        // wait on the lock file and then find it installed.
        Directory.CreateDirectory(prefix);
        using var installLock = await LockAsync(Path.Combine(prefix, "install.lock"));
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

    /// <summary>An exclusive handle on <paramref name="path"/>, waited for while another process holds it (at most 10 minutes, an install's worst case).</summary>
    private static async Task<FileStream> LockAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
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

/// <summary>How an <see cref="Azurite"/> keeps its data.</summary>
public sealed record AzuriteOptions
{
    /// <summary>On disk in a temporary folder (Azurite's --location), so it survives <see cref="Azurite.RestartAsync"/>; in memory otherwise.</summary>
    public bool Persistent { get; init; }
}

/// <summary>The tests that share one Azurite and the warm tiny models; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<Azurite>, ICollectionFixture<TinyModels>
{
    public const string Name = "pipeline";
}
