using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// glimpse-bench-ingest: how long the ingest Function's code takes from process start to its first handled manifest
// (cold), and per manifest afterwards (warm), on Azurite. The parent uploads the jobs, then starts a fresh child process
// per round; the child composes the pipeline as the Functions app does (AddGlimpsePipeline), starts it (containers and
// queues are created on start) and hands each manifest to IngestHandler, as the blob trigger would. The Functions host
// itself is not part of it (it cannot run on these machines): add the host's own start to the cold figure.
//
//   glimpse-bench-ingest [--rounds 5] [--manifests 40] --connection "<storage connection string>"
if (args.Length > 0 && args[0] == "--child") return await Child.RunAsync(args[1]);
return await Parent.RunAsync(args);

internal static class Parent
{
    public static async Task<int> RunAsync(string[] args)
    {
        int rounds = IntArgument(args, "--rounds", 5), manifests = IntArgument(args, "--manifests", 40);
        string connection = Argument(args, "--connection") ?? "UseDevelopmentStorage=true";
        string queue = "ingestbench" + Guid.NewGuid().ToString("N")[..8];
        var service = StorageClients.CreateBlobService(new PipelineStorageOptions { ConnectionString = connection });
        await service.GetBlobContainerClient(BlobLayout.JobsContainer).CreateIfNotExistsAsync();
        var client = new JobClient(service);
        byte[] image = SmallPng();

        var colds = new List<double>();
        var warms = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var names = new List<string>();
            for (int i = 0; i < manifests; i++)
            {
                var manifest = new JobManifest { Prompt = "What colour is the square?", Image = "image.png", Model = "bench-model" };
                names.Add(await client.SubmitAsync(JobClient.NewJobId(), new JobSubmission(image, manifest), CancellationToken.None));
            }
            string list = Path.GetTempFileName();
            await File.WriteAllLinesAsync(list, names);
            var start = new ProcessStartInfo("dotnet", [typeof(Parent).Assembly.Location, "--child", list]) { RedirectStandardOutput = true };
            start.Environment["Glimpse__Storage__ConnectionString"] = connection;
            start.Environment["Glimpse__Storage__CreateIfMissing"] = "true";
            start.Environment["Glimpse__Transport__Kind"] = "StorageQueues";
            start.Environment["Glimpse__StorageQueues__WorkQueueName"] = queue + "-jobs";
            start.Environment["Glimpse__StorageQueues__CompletionQueueName"] = queue + "-completed";
            start.Environment["Glimpse__Models__Ids__0"] = "bench-model";
            using var child = Process.Start(start)!;
            string output = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            File.Delete(list);
            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine($"round {round}: the child failed ({child.ExitCode}): {output}");
                return 1;
            }
            var measured = JsonSerializer.Deserialize<double[]>(output.Trim().Split('\n')[^1])!;
            colds.Add(measured[0]);
            warms.AddRange(measured.Skip(1));
            Console.WriteLine($"round {round + 1}: cold {measured[0]:F0} ms, warm median {Median(measured.Skip(1)):F1} ms");
        }
        warms.Sort();
        Console.WriteLine($"cold (process start to first handled manifest): median {Median(colds):F0} ms over {rounds} processes (min {colds.Min():F0}, max {colds.Max():F0})");
        Console.WriteLine($"warm (per manifest afterwards): p50 {Median(warms):F1} ms, p95 {warms[(int)Math.Ceiling(0.95 * warms.Count) - 1]:F1} ms over {warms.Count} manifests");
        return 0;
    }

    private static string? Argument(string[] args, string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static int IntArgument(string[] args, string name, int fallback) =>
        Argument(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A 64×64 PNG (ingest reads its header).</summary>
    private static byte[] SmallPng()
    {
        using var bitmap = new SkiaSharp.SKBitmap(64, 64);
        bitmap.Erase(SkiaSharp.SKColors.CadetBlue);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

internal static class Child
{
    public static async Task<int> RunAsync(string manifestList)
    {
        var names = await File.ReadAllLinesAsync(manifestList);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGlimpsePipeline(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var ingest = host.Services.GetRequiredService<IngestHandler>();
        var times = new List<double>();
        foreach (string name in names)
        {
            long start = Stopwatch.GetTimestamp();
            var outcome = await ingest.HandleAsync(name, CancellationToken.None);
            if (outcome.Decision != IngestDecision.Accepted)
            {
                Console.WriteLine($"{name}: {outcome.Decision}: {string.Join("; ", outcome.Problems)}");
                return 1;
            }
            // The first: from the process's start (runtime start, composition, host start, first handling); then each alone.
            times.Add(times.Count == 0
                ? (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds
                : Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        await host.StopAsync();
        Console.WriteLine(JsonSerializer.Serialize(times));
        return 0;
    }
}
