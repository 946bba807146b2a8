using System.CommandLine;
using System.Diagnostics;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Explain;
using Glimpse.Model;
using Glimpse.Model.Generation;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench soak</c>: many explain jobs in one process, as the worker runs them — generate an answer, explain it
/// with exact GLIMPSE — on a random-weight model, with sequence and answer lengths varying from job to job. Prints each
/// job's peak resident memory for the first and the last jobs: a process whose allocator keeps what earlier jobs freed
/// shows it as a higher peak late than early. Nothing is handed back to the system between jobs.
/// </summary>
internal static class SoakBench
{
    public static Command Create()
    {
        var shape = new SyntheticShapeOptions(layers: 4, hidden: 256, heads: 8, imageSide: 16, visionLayers: 2, visionHidden: 128);
        var jobs = new Option<int>("--jobs") { Description = "Explain jobs to run.", DefaultValueFactory = _ => 200 };
        var window = new Option<int>("--window") { Description = "Jobs compared at the start and at the end.", DefaultValueFactory = _ => 10 };
        var length = new Option<int>("--length") { Description = "Longest sequence N (prompt + answer); each job takes N − 0…63.", DefaultValueFactory = _ => 330 };
        var tokens = new Option<int>("--tokens") { Description = "Longest answer T; each job takes T/2…T.", DefaultValueFactory = _ => 8 };
        var command = new Command("soak", "Many explain jobs in one process: peak resident memory of the first jobs against the last.")
        {
            jobs, window, length, tokens,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var synthetic = shape.Family(parse);
            int count = parse.GetValue(jobs), compared = parse.GetValue(window);
            if (compared < 1 || count < 2 * compared) throw new UserInputException($"--jobs {count} must be at least twice --window {compared} (≥ 1).");
            Run(synthetic, shape.Read(parse), count, compared, parse.GetValue(length), Math.Max(2, parse.GetValue(tokens)));
            return 0;
        }));
        return command;
    }

    private static void Run(SyntheticFamily family, SyntheticShape shape, int jobs, int window, int longest, int longestAnswer)
    {
        using var model = family.Create(shape);
        using var synthetic = family.RandomImage(shape);
        var image = synthetic.Input;
        int imageTokens = synthetic.ImageTokens;
        if (longest - 64 - longestAnswer < imageTokens + 2)
            throw new UserInputException($"--length {longest} leaves no room for {imageTokens} image tokens, 64 tokens of variation and the answer.");
        var row = new PixelSize(imageTokens, 1);
        var layout = ImageTokenLayout.SingleGrid(1, imageTokens, 1, new ImageGeometry(row, row, new PixelRect(0, 0, imageTokens, 1)));
        AnsiConsole.MarkupLine($"[bold]glimpse bench soak[/] ({family.Name}): decoder {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads; " +
                               $"{imageTokens} image tokens; {jobs} jobs of N ≤ {longest}, T ≤ {longestAnswer}; exact GLIMPSE as `glimpse explain` runs it");

        var random = new Random(11);
        var peaks = new long[jobs];
        var resident = new long[jobs];
        var clock = Stopwatch.StartNew();
        for (int job = 0; job < jobs; job++)
        {
            int answerLength = random.Next(longestAnswer / 2, longestAnswer + 1);
            int promptLength = longest - random.Next(0, 64) - answerLength;
            long[] prompt = [1, .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
                .. Enumerable.Range(0, promptLength - imageTokens - 1).Select(_ => (long)random.Next(3, shape.Vocab - 8))];
            ProcessMemory.ResetPeak();
            using (var scope = NewDisposeScope())
            {
                // As a job does: the vision tower once, the answer generated, then explained.
                Tensor features;
                using (torch.no_grad()) features = model.EncodeImage(image);
                using var answer = AnswerGenerator.Generate(model, prompt, image,
                    new GenerationOptions { MaxNewTokens = answerLength, StopAtEos = false, ImageFeatures = features });
                long[] ids = answer.FullIds;
                var subject = new ExplanationSubject
                {
                    Model = model, SequenceIds = ids, Image = image, ImageFeatures = features,
                    VisualPositions = Enumerable.Range(1, imageTokens).Select(p => (long)p).ToArray(),
                    PromptPositions = Enumerable.Range(imageTokens + 1, promptLength - imageTokens - 1).Select(p => (long)p).ToArray(),
                    QueryPositions = Enumerable.Range(promptLength - 1, ids.Length - promptLength).Select(p => (long)p).ToArray(),
                    AnswerIds = ids[promptLength..],
                    ImageTokens = layout,
                };
                new GlimpseExplainer(new GlimpseOptions()).Explain(subject);
            }
            peaks[job] = ProcessMemory.Peak();
            resident[job] = ProcessMemory.Resident();
            if ((job + 1) % 20 == 0)
                AnsiConsole.WriteLine($"{job + 1} jobs, {clock.Elapsed.TotalSeconds:F0} s: peak of the last job {Mib(peaks[job])} MiB, resident {Mib(resident[job])} MiB");
        }

        if (peaks[0] == 0) { AnsiConsole.MarkupLine("[yellow]no /proc: peak memory cannot be read on this system[/]"); return; }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("jobs", "peak RSS MiB, median", "peak RSS MiB, max", "resident after, MiB");
        void Row(string name, Range range) => table.AddRow(new Text(name), new Text(Mib(Median(peaks[range]))), new Text(Mib(peaks[range].Max())),
            new Text(Mib(Median(resident[range]))));
        Row($"first {window}", ..window);
        Row($"last {window}", ^window..);
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"last / first {window}, median peak: {(double)Median(peaks[^window..]) / Median(peaks[..window]):F2}×");
    }

    private static long Median(long[] values) => values.Order().ElementAt(values.Length / 2);
    private static string Mib(long bytes) => $"{bytes / 1048576.0:F0}";
}
