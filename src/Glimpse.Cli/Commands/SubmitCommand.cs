using System.CommandLine;
using System.Text.Json;
using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;
using Glimpse.Pipeline.Client;
using Glimpse.Pipeline.Storage;

namespace Glimpse.Cli.Commands;

/// <summary>What <c>glimpse submit</c> was asked to do.</summary>
internal sealed record SubmitRequest(string ImagePath, string Prompt, string Model, string Method, int? MaxNewTokens, string Connection,
    bool Wait, TimeSpan Timeout)
{
    public string? JobId { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>The manifest's <c>options</c> (checked against the option table before anything is uploaded).</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>
/// <c>glimpse submit</c>: uploads a job as the contract says (the image, then <c>jobs/{jobId}/job.json</c>) and, with
/// --wait, waits for its status to become terminal and prints where its results are. Exit codes: 0 submitted or
/// succeeded, 1 failed, 2 bad input, 3 still unfinished when --timeout passed.
/// </summary>
internal static class SubmitCommand
{
    public const int Failed = 1;
    public const int TimedOut = 3;

    public static Command Create()
    {
        var image = CommonOptions.Image();
        var prompt = CommonOptions.Prompt();
        var model = new Option<string?>("--model", "-m") { Description = "Model id (a folder name in the pipeline's models; default: the embedded demo model, glimpse-demo)." };
        var method = new Option<string>("--method") { Description = $"One of: {string.Join(", ", ExplainMethods.Names)}.", DefaultValueFactory = _ => JobManifest.DefaultMethod };
        var maxNewTokens = new Option<int?>("--max-new-tokens") { Description = $"Longest answer, in tokens (default {JobManifest.DefaultMaxNewTokens})." };
        var wait = new Option<bool>("--wait") { Description = "Wait for the job to finish and print where its results are." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds --wait waits at most.", DefaultValueFactory = _ => 600 };
        var connection = new Option<string?>("--connection")
        {
            Description = $"Storage connection string (default: ${LocalDefaults.ConnectionVariable}, else Azurite on its default ports).",
        };
        var azuritePort = new Option<int?>("--azurite-port") { Description = "Talk to Azurite on this blob port (as `glimpse local --azurite-port`)." };
        var methodOptions = new MethodOptionFlags();
        var command = new Command("submit", "Submit a job to the pipeline (glimpse local, or a deployed one) and optionally wait for it.")
        {
            image, prompt, model, method, maxNewTokens, wait, timeout, connection, azuritePort,
        };
        foreach (var option in methodOptions.All) command.Options.Add(option);
        command.SetAction((parse, cancellationToken) => CommonOptions.RunAsync(() => RunAsync(new SubmitRequest(
            CommonOptions.Require(parse.GetValue(image), "--image"),
            CommonOptions.Require(parse.GetValue(prompt), "--prompt"),
            LocalDefaults.ModelId(parse.GetValue(model)),
            parse.GetValue(method)!,
            parse.GetValue(maxNewTokens),
            LocalDefaults.Connection(parse.GetValue(connection), parse.GetValue(azuritePort)),
            parse.GetValue(wait),
            TimeSpan.FromSeconds(parse.GetValue(timeout)))
        {
            Options = methodOptions.ManifestOptions(parse, parse.GetValue(method)!),
        }, Console.Out, cancellationToken)));
        return command;
    }

    /// <summary>Submits, and waits when asked; returns the exit code.</summary>
    public static async Task<int> RunAsync(SubmitRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        if (!File.Exists(request.ImagePath)) throw new FileNotFoundException($"--image '{request.ImagePath}' does not exist.");
        if (request.Timeout <= TimeSpan.Zero) throw new UserInputException("--timeout must be above 0 seconds.");
        string extension = Path.GetExtension(request.ImagePath).ToLowerInvariant();
        var manifest = new JobManifest
        {
            Prompt = request.Prompt,
            Image = extension is { Length: > 1 and <= 6 } && extension[1..].All(char.IsAsciiLetterOrDigit) ? "image" + extension : "image",
            Model = request.Model,
            Method = request.Method,
            MaxNewTokens = request.MaxNewTokens ?? JobManifest.DefaultMaxNewTokens,
            Options = request.Options,
        };
        var client = new JobClient(StorageClients.CreateBlobService(new PipelineStorageOptions { ConnectionString = request.Connection }));
        string jobId = request.JobId ?? JobClient.NewJobId();
        string manifestBlob = await client.SubmitAsync(jobId, new JobSubmission(await File.ReadAllBytesAsync(request.ImagePath, cancellationToken), manifest),
            cancellationToken);
        output.WriteLine($"Submitted job {jobId} ({BlobLayout.JobsContainer}/{manifestBlob})");
        if (!request.Wait) return 0;

        output.WriteLine($"Waiting for it (at most {request.Timeout.TotalSeconds:0} s)…");
        var status = await client.WaitAsync(jobId, request.Timeout, request.PollInterval, cancellationToken);
        if (status is null)
        {
            var current = await client.StatusAsync(jobId, cancellationToken);
            output.WriteLine($"Job {jobId} is still {(current is null ? "not ingested (is `glimpse local` running?)" : current.Status.ToString().ToLowerInvariant())} after {request.Timeout.TotalSeconds:0} s.");
            return TimedOut;
        }
        if (status.Status == JobStatus.Succeeded && status.Results is { } results)
        {
            output.WriteLine($"Job {jobId} succeeded. Results:");
            foreach (string blob in new[] { results.ReportHtml, results.ResultJson, results.OverlayPng, results.HeatmapPng })
                output.WriteLine($"  {client.ResultUri(blob)}");
            return 0;
        }
        output.WriteLine($"Job {jobId} failed: {status.Reason}");
        if (status.Failure is { } failure) output.WriteLine($"  {client.ResultUri(failure)}");
        return Failed;
    }
}
