using System.Diagnostics;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues.Models;
using Glimpse.Core.Contracts;
using Glimpse.Model.Tests;
using Glimpse.Pipeline.Storage;
using Glimpse.Pipeline.Tests;

namespace Glimpse.Hosts.Tests;

/// <summary>
/// SIGTERM (what a container runtime sends to stop a replica) to the real <c>glimpse local</c> executable while it
/// runs a job, on an Azurite of the test's own with the Storage Queues transport: the process hands the job back and
/// exits 0 within its shutdown timeout, and a process started again finishes the job exactly once.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class SigtermTests : IAsyncLifetime
{
    /// <summary>The host's shutdown timeout is 20 s and System.CommandLine's termination timeout 30 s; past that it is a hang.</summary>
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(40);

    private readonly Azurite _azurite = Azurite.Create(new AzuriteOptions());

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    [Fact]
    public async Task Sigterm_mid_job_exits_0_hands_the_job_back_and_a_restarted_process_completes_it_once()
    {
        var storage = new PipelineStorageOptions { ConnectionString = _azurite.ConnectionString };
        var blobs = StorageClients.CreateBlobService(storage);
        var queues = StorageClients.CreateQueueService(storage);
        var statuses = new StatusStore(blobs);
        string jobId = RunningPipeline.NewJobId();
        // 256 answer tokens keep the tiny model busy for seconds: long enough to be stopped mid-run.
        byte[] manifest = TestManifests.Bytes(TestManifests.Valid().With("max_new_tokens", 256));

        await using (var first = await GlimpseLocal.StartAsync(_azurite.ConnectionString))
        {
            var jobs = blobs.GetBlobContainerClient(BlobLayout.JobsContainer);
            await jobs.GetBlobClient(BlobLayout.ImageBlob(jobId, "image.png")).UploadAsync(BinaryData.FromBytes(TinyModels.LlavaImage()));
            await jobs.GetBlobClient(BlobLayout.ManifestBlob(jobId)).UploadAsync(BinaryData.FromBytes(manifest));
            for (var deadline = DateTime.UtcNow.AddMinutes(2); (await statuses.ReadAsync(jobId, CancellationToken.None))?.Status != JobStatus.Running; await Task.Delay(50))
                Assert.True(DateTime.UtcNow < deadline, $"the job did not start running:\n{first.Output}");

            int exit = await first.TerminateAsync(ExitWithin);

            Assert.True(exit == 0, $"exit code {exit}:\n{first.Output}");
            Assert.Contains("a job in flight is handed back to the queue", first.Output);
            Assert.DoesNotContain(jobId, first.Output);
        }
        var interrupted = (await statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Running, 1), (interrupted.Status, interrupted.Attempt));
        // Abandoned: visible again after the transport's retry delay (10 s), not after its 5-minute lock; delivered once so far.
        var work = queues.GetQueueClient(StorageQueueNames.Work);
        PeekedMessage[] visible = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(30); visible.Length == 0 && DateTime.UtcNow < deadline; await Task.Delay(250))
            visible = (await work.PeekMessagesAsync(8)).Value;
        Assert.Equal(1, Assert.Single(visible).DequeueCount);

        await using (var second = await GlimpseLocal.StartAsync(_azurite.ConnectionString))
        {
            for (var deadline = DateTime.UtcNow.AddMinutes(2); !second.Output.Contains($"✓ {jobId} succeeded", StringComparison.Ordinal); await Task.Delay(100))
                Assert.True(DateTime.UtcNow < deadline, $"the restarted process did not complete the job:\n{second.Output}");
            Assert.Equal(0, await second.TerminateAsync(ExitWithin));
            // One completion printed (lines wrap at the console's width, so the job id is matched in the whole output).
            Assert.True(second.Output.Split($"✓ {jobId}").Length == 2 && !second.Output.Contains($"✗ {jobId}"), second.Output);
        }

        var status = (await statuses.ReadAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Succeeded, 2), (status.Status, status.Attempt));
        Assert.NotNull(status.CompletionPublishedAt);
        var results = new List<string>();
        await foreach (BlobItem item in blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, jobId + "/", default))
            results.Add(item.Name[(jobId.Length + 1)..]);
        Assert.Equal(["heatmap.png", "overlay.png", "report.html", "result.json", "status.json"], results.Order(StringComparer.Ordinal));
        Assert.Equal(0, (await work.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(0, (await queues.GetQueueClient(StorageQueueNames.Completed).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    /// <summary>The queue names <c>glimpse local</c> uses by default.</summary>
    private static class StorageQueueNames
    {
        public static string Work => new Pipeline.Transport.StorageQueues.StorageQueueTransportOptions().WorkQueueName;
        public static string Completed => new Pipeline.Transport.StorageQueues.StorageQueueTransportOptions().CompletionQueueName;
    }

    /// <summary><c>glimpse local</c> as a child process (the CLI built beside these tests), its output collected.</summary>
    private sealed class GlimpseLocal : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private GlimpseLocal(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        public static async Task<GlimpseLocal> StartAsync(string connectionString)
        {
            var start = GlimpseExecutable.StartInfo("local", "--connection", connectionString, "--models", ReferenceSet.Root);
            var local = new GlimpseLocal(Process.Start(start) ?? throw new InvalidOperationException("glimpse local did not start"));
            local._process.OutputDataReceived += (_, e) => local.Append(e.Data);
            local._process.ErrorDataReceived += (_, e) => local.Append(e.Data);
            local._process.BeginOutputReadLine();
            local._process.BeginErrorReadLine();
            for (var deadline = DateTime.UtcNow.AddMinutes(2); !local.Output.Contains("Ready.", StringComparison.Ordinal); await Task.Delay(100))
            {
                if (local._process.HasExited || DateTime.UtcNow > deadline)
                {
                    await local.DisposeAsync();
                    throw new InvalidOperationException($"glimpse local did not get ready:\n{local.Output}");
                }
            }
            return local;
        }

        /// <summary>Sends SIGTERM and waits for the exit; its exit code.</summary>
        public async Task<int> TerminateAsync(TimeSpan within)
        {
            Assert.Equal(0, Azurite.SendTerminate(_process.Id));
            using var timeout = new CancellationTokenSource(within);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
