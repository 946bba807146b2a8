using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Glimpse.Model.Tests;
using Glimpse.Pipeline.Models;
using Glimpse.Pipeline.Tests;
using Glimpse.Processing.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Glimpse.Hosts.Tests;

/// <summary>Models downloaded once from a container into the local cache, atomically, against real Azurite.</summary>
[Collection(PipelineCollection.Name)]
public sealed class BlobModelDownloaderTests(Azurite azurite) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("glimpse-model-cache-").FullName;
    private readonly string _container = "models-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private ModelSourceOptions Options => new() { Container = _container, CacheFolder = _cache };

    private BlobModelDownloader Downloader(BlobServiceClient service) => new(service, Options, NullLogger<BlobModelDownloader>.Instance);

    /// <summary>Uploads the tiny LLaVA folder as <c>{container}/llava_tiny/…</c>, plus a folder that is not a model.</summary>
    private async Task<string[]> UploadModelAsync()
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_container);
        await container.CreateIfNotExistsAsync();
        string source = Path.Combine(ReferenceSet.Root, TinyModels.Llava);
        string[] files = [.. Directory.GetFiles(source).Select(f => Path.GetFileName(f))];
        foreach (string file in files)
            await container.GetBlobClient($"{TinyModels.Llava}/{file}").UploadAsync(Path.Combine(source, file), overwrite: true);
        await container.GetBlobClient("notes/readme.txt").UploadAsync(BinaryData.FromString("not a model"), overwrite: true);
        return files;
    }

    [Fact]
    public async Task A_model_is_downloaded_once_and_then_served_from_the_cache()
    {
        var files = await UploadModelAsync();
        var downloader = Downloader(new BlobServiceClient(azurite.ConnectionString));

        Assert.Equal([TinyModels.Llava], await downloader.ListModelIdsAsync(CancellationToken.None));
        var first = await downloader.EnsureAsync(TinyModels.Llava, CancellationToken.None);
        // Gone from the container: only the cache can answer now.
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_container).DeleteAsync();
        var second = await downloader.EnsureAsync(TinyModels.Llava, CancellationToken.None);

        Assert.True(first.Downloaded);
        Assert.False(second.Downloaded);
        Assert.Equal(Path.Combine(_cache, TinyModels.Llava), second.Folder);
        foreach (string file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(ReferenceSet.Root, TinyModels.Llava, file)), File.ReadAllBytes(Path.Combine(second.Folder, file)));
        using var catalog = new FolderModelCatalog(_cache);
        Assert.Equal([TinyModels.Llava], catalog.ModelIds);
    }

    [Fact]
    public async Task An_interrupted_download_leaves_nothing_visible_and_the_next_one_completes()
    {
        await UploadModelAsync();
        var failing = new BlobClientOptions();
        failing.AddPolicy(new FailSecondDownload(), HttpPipelinePosition.PerCall);
        failing.Retry.MaxRetries = 0;

        await Assert.ThrowsAnyAsync<Exception>(() =>
            Downloader(new BlobServiceClient(azurite.ConnectionString, failing)).EnsureAsync(TinyModels.Llava, CancellationToken.None));

        Assert.Empty(Directory.GetFileSystemEntries(_cache));
        var retried = await Downloader(new BlobServiceClient(azurite.ConnectionString)).EnsureAsync(TinyModels.Llava, CancellationToken.None);
        Assert.True(retried.Downloaded);
        using var catalog = new FolderModelCatalog(_cache);
        using var runtime = await catalog.GetAsync(TinyModels.Llava, CancellationToken.None);
        Assert.Equal([TinyModels.Llava], catalog.ModelIds);
    }

    /// <summary>Fails the second blob download (GET of a blob's content) as a dropped connection would.</summary>
    private sealed class FailSecondDownload : HttpPipelinePolicy
    {
        private int _downloads;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Check(HttpMessage message)
        {
            bool download = message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.Contains($"/{TinyModels.Llava}/", StringComparison.Ordinal);
            if (download && Interlocked.Increment(ref _downloads) == 2) throw new IOException("connection dropped (injected by the test)");
        }
    }
}
