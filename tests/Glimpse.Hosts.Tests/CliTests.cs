using Glimpse.Cli.Commands;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Tests;

namespace Glimpse.Hosts.Tests;

/// <summary><c>glimpse submit</c>'s handler against the local pipeline, and the CLI's local defaults.</summary>
[Collection(PipelineCollection.Name)]
public sealed class CliTests(Azurite azurite) : IDisposable
{
    private readonly string _image = Path.Combine(Directory.CreateTempSubdirectory("glimpse-submit-").FullName, "ball.png");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_image)!, recursive: true);

    private SubmitRequest Request(string model) => new(_image, "what color is the big ball", model, "glimpse", TestManifests.TestMaxNewTokens,
        azurite.ConnectionString, Wait: true, Timeout: TimeSpan.FromMinutes(3))
    {
        JobId = RunningPipeline.NewJobId(),
        PollInterval = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Submit_with_wait_returns_0_and_prints_where_the_results_are()
    {
        await File.WriteAllBytesAsync(_image, TinyModels.LlavaImage());
        await using var local = await RunningPipeline.StartAsync(azurite);
        var request = Request(TinyModels.Llava);
        var output = new StringWriter();

        int exit = await SubmitCommand.RunAsync(request, output, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Contains($"/{BlobLayout.ResultsContainer}/{request.JobId}/report.html", output.ToString());
        Assert.Equal(JobStatus.Succeeded, (await local.CompletionOfAsync(request.JobId!)).Status);
        Assert.True((await local.Blobs.GetBlobContainerClient(BlobLayout.JobsContainer).GetBlobClient($"jobs/{request.JobId}/image.png").ExistsAsync()).Value);
    }

    [Fact]
    public async Task Submit_with_wait_returns_1_and_the_reason_when_the_job_fails()
    {
        await File.WriteAllBytesAsync(_image, TinyModels.LlavaImage());
        await using var local = await RunningPipeline.StartAsync(azurite);
        var output = new StringWriter();

        int exit = await SubmitCommand.RunAsync(Request("no-such-model"), output, CancellationToken.None);

        Assert.Equal(SubmitCommand.Failed, exit);
        Assert.Contains("model 'no-such-model' is not known", output.ToString());
    }

    [Fact]
    public void Without_models_or_a_model_id_local_and_submit_use_the_embedded_demo_model()
    {
        string folder = LocalDefaults.ModelsFolder(null);
        Assert.Equal(Glimpse.Demo.DemoModel.Id, LocalDefaults.ModelId(""));
        // The folder is a models folder the pipeline's catalog reads, and the demo model is in it under its id.
        using var catalog = new Glimpse.Processing.Models.FolderModelCatalog(folder);
        Assert.Contains(LocalDefaults.ModelId(null), catalog.ModelIds);
        Assert.Equal(("/m", "m1"), (LocalDefaults.ModelsFolder("/m"), LocalDefaults.ModelId("m1")));
    }
}

/// <summary>The real <c>glimpse submit</c> given bad input: one <c>error:</c> line and exit code 2, before anything is uploaded.</summary>
public sealed class SubmitBadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("glimpse-submit-bad-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string[], string> BadSubmissions() => new()
    {
        { "a missing image", ["--image", "{folder}/nothing.png", "--prompt", "what is this"], "error: --image '{folder}/nothing.png' does not exist." },
        { "an empty prompt", ["--image", "{folder}/ball.png", "--prompt", ""], "error: --prompt is required." },
        { "a zero timeout", ["--image", "{folder}/ball.png", "--prompt", "what is this", "--wait", "--timeout", "0"], "error: --timeout must be above 0 seconds." },
    };

    [Theory]
    [MemberData(nameof(BadSubmissions))]
    public async Task Bad_input_to_submit_prints_one_error_line_and_exits_2(string what, string[] arguments, string expected)
    {
        await File.WriteAllBytesAsync(Path.Combine(_folder, "ball.png"), TinyModels.LlavaImage());
        string[] withModel = arguments.Contains("--model") ? arguments : [.. arguments, "--model", TinyModels.Llava];
        // Nothing listens here: a submission that got as far as uploading would fail differently.
        string[] all = [.. withModel.Select(a => a.Replace("{folder}", _folder)), "--connection", "UseDevelopmentStorage=true"];

        var (exit, output) = await GlimpseExecutable.RunAsync(["submit", .. all]);

        Assert.True(exit == 2, $"{what}: exit {exit}\n{output}");
        Assert.Contains(expected.Replace("{folder}", _folder), output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.StartsWith("error:", StringComparison.Ordinal));
    }
}
