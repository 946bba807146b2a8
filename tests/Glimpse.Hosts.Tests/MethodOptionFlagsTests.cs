using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;
using Glimpse.Pipeline.Tests;

namespace Glimpse.Hosts.Tests;

/// <summary>The command line's method options are the option table: every entry is a flag, read by the table's parser.</summary>
public sealed class MethodOptionFlagsTests
{
    [Theory]
    [InlineData("explain")]
    [InlineData("eval")]
    [InlineData("submit")]
    public async Task Every_option_in_the_table_is_a_flag_with_its_default(string command)
    {
        var (exit, help) = await GlimpseExecutable.RunAsync(command, "--help");
        Assert.Equal(0, exit);
        foreach (var option in ExplainOptions.All)
        {
            Assert.Contains(option.Flag, help);
            Assert.Contains($"default {option.Default}", help);
        }
    }

    public static TheoryData<string[], string> BadFlags() => new()
    {
        { ["explain", "--method", "rollout", "--lambda", "0.3", "--image", "nothing.png", "--prompt", "what is this"],
            "error: --lambda does not apply to method rollout; it applies to glimpse, glimpse-fast." },
        { ["explain", "--depth-lambda", "steep", "--image", "nothing.png", "--prompt", "what is this"],
            "error: --depth-lambda must be a number in [-100, 100], not steep." },
        { ["explain", "--token-weights", "even", "--image", "nothing.png", "--prompt", "what is this"],
            "error: --token-weights must be one of \"full\", \"confidence\", \"alignment\", \"uniform\", not even." },
        { ["explain", "--method", "glimpse-slow", "--image", "nothing.png", "--prompt", "what is this"],
            "error: Unknown method 'glimpse-slow'. Known: glimpse, glimpse-fast, chefer, rollout, raw-attention, gradcam, tam." },
        { ["eval", "--methods", "rollout,tam", "--chunk-size", "2", "--data", "synthetic"], "error: --chunk-size applies to none of the methods chosen (rollout, tam)" },
        { ["eval", "--methods", "glimpse,glimpse[layer=2]", "--data", "synthetic"],
            "error: --methods: In 'glimpse[layer=2]': layer does not apply to method glimpse; it applies to raw-attention, gradcam." },
        { ["eval", "--methods", "glimpse,glimpse[depth_prior=off", "--data", "synthetic"],
            "error: --methods: 'glimpse[depth_prior=off' is not a method variant; write method[option=value,option=value]." },
        { ["eval", "--methods", "glimpse[lambda=2],glimpse[ lambda=2 ]", "--data", "synthetic"], "error: --methods: The method glimpse[lambda=2] is named twice." },
        { ["eval", "--methods", "glimpse,chefer", "--layer", "1", "--data", "synthetic"],
            "error: --layer applies to none of the methods chosen (glimpse, chefer); it applies to raw-attention, gradcam." },
        { ["explain", "--top-k", "2", "--image", "nothing.png", "--prompt", "what is this"], "error: --top-k applies only with --answer-tokens top-k." },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task A_bad_or_misplaced_option_is_one_error_line_before_any_work(string[] arguments, string expected)
    {
        var (exit, output) = await GlimpseExecutable.RunAsync(arguments);
        Assert.True(exit == 2, $"exit {exit}\n{output}");
        Assert.Contains(expected, output);
    }
}

/// <summary><c>glimpse submit</c> writes its option flags into the manifest as the contract types them.</summary>
[Collection(PipelineCollection.Name)]
public sealed class SubmitOptionsTests(Azurite azurite) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("glimpse-submit-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Flags_become_the_manifests_options()
    {
        string image = Path.Combine(_folder, "ball.png");
        await File.WriteAllBytesAsync(image, TinyModels.LlavaImage());
        var jobs = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobLayout.JobsContainer);
        await jobs.CreateIfNotExistsAsync();   // what a pipeline creates at start; none runs in this test

        var (exit, output) = await GlimpseExecutable.RunAsync("submit", "--image", image, "--prompt", "what is this", "--model", TinyModels.Llava,
            "--lambda", "0.25", "--depth-prior", "false", "--token-weights", "uniform", "--chunk-size", "3", "--connection", azurite.ConnectionString);

        Assert.True(exit == 0, output);
        string jobId = output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        var blob = jobs.GetBlobClient(BlobLayout.ManifestBlob(jobId));
        using var manifest = JsonDocument.Parse((await blob.DownloadContentAsync()).Value.Content.ToString());
        var options = manifest.RootElement.GetProperty("options");
        Assert.Equal(0.25, options.GetProperty("lambda").GetDouble());
        Assert.Equal(JsonValueKind.False, options.GetProperty("depth_prior").ValueKind);
        Assert.Equal("uniform", options.GetProperty("token_weights").GetString());
        Assert.Equal(3, options.GetProperty("chunk_size").GetInt32());
        Assert.Equal(4, options.EnumerateObject().Count());

        // No pipeline ran: take the job away, or the next test's pipeline in this collection would ingest it.
        await foreach (var item in jobs.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"jobs/{jobId}/", CancellationToken.None)) await jobs.DeleteBlobAsync(item.Name);
    }
}
