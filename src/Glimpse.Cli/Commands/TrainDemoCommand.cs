using System.CommandLine;
using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Training;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse train-demo</c>: train the demo model from scratch on the CPU, reproducibly from a seed.</summary>
internal static class TrainDemoCommand
{
    public static Command Create()
    {
        var defaults = new DemoTrainingOptions { OutputDirectory = "demo-model" };
        var output = new Option<string>("--out", "-o") { Description = "Model folder to write.", DefaultValueFactory = _ => "demo-model" };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and the training items.", DefaultValueFactory = _ => defaults.Seed };
        var minutes = new Option<double>("--minutes") { Description = "Stop training after this many minutes.", DefaultValueFactory = _ => defaults.MaxMinutes };
        var steps = new Option<int>("--steps") { Description = "Length of the learning-rate schedule, in steps.", DefaultValueFactory = _ => defaults.MaxSteps };
        var batch = new Option<int>("--batch-size") { Description = "Training images per step.", DefaultValueFactory = _ => defaults.BatchSize };
        var questions = new Option<int>("--questions-per-image") { Description = "Questions asked about each training image.", DefaultValueFactory = _ => defaults.QuestionsPerImage };
        var learningRate = new Option<double>("--learning-rate") { Description = "Peak AdamW learning rate.", DefaultValueFactory = _ => defaults.PeakLearningRate };
        var target = new Option<double>("--target") { Description = "Stop early once validation accuracy reaches this.", DefaultValueFactory = _ => defaults.TargetAccuracy };
        var testItems = new Option<int>("--test-items") { Description = "Held-out test items answered by the saved model.", DefaultValueFactory = _ => defaults.TestItems };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads.", DefaultValueFactory = _ => defaults.Threads };
        var preset = new Option<string>("--preset")
        {
            Description = "Model shape to start from: default (128 px, 16 image tokens, 4 decoder layers: glimpse-demo) or deep (192 px, 36 image tokens, 8 decoder layers of width 96: glimpse-demo-deep). The shape options below override it.",
            DefaultValueFactory = _ => "default",
        };
        Option<int?> ShapeOption(string name, string description) => new(name) { Description = description };
        var imageSize = ShapeOption("--image-size", "Image side in pixels (scenes are drawn at this size).");
        var patchSize = ShapeOption("--patch-size", "Vision patch side in pixels (scenes put one object in a cell of this size).");
        var visionHidden = ShapeOption("--vision-hidden", "Vision tower width.");
        var visionLayers = ShapeOption("--vision-layers", "Vision tower layers.");
        var visionHeads = ShapeOption("--vision-heads", "Vision tower attention heads.");
        var visionIntermediate = ShapeOption("--vision-intermediate", "Vision tower MLP width.");
        var textHidden = ShapeOption("--text-hidden", "Decoder width.");
        var textLayers = ShapeOption("--text-layers", "Decoder layers.");
        var textHeads = ShapeOption("--text-heads", "Decoder attention heads.");
        var textIntermediate = ShapeOption("--text-intermediate", "Decoder MLP width.");
        var kindWeights = new Option<string?>("--kind-weights")
        {
            Description = $"Relative weights of the question kinds in training, e.g. describe=3,relation=2 (others keep theirs; defaults {DemoTrainingOptions.FormatKindWeights(defaults.KindWeights)}).",
        };
        var command = new Command("train-demo", "Train the small demo LLaVA model on synthetic grounded VQA and save it as a Hugging Face folder.")
        {
            output, seed, minutes, steps, batch, questions, learningRate, target, testItems, threads, preset,
            imageSize, patchSize, visionHidden, visionLayers, visionHeads, visionIntermediate, textHidden, textLayers, textHeads, textIntermediate,
            kindWeights,
        };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            DemoModelShape shape;
            try
            {
                var p = DemoModelShape.Preset(parse.GetValue(preset)!);
                shape = p with
                {
                    ImageSize = parse.GetValue(imageSize) ?? p.ImageSize,
                    PatchSize = parse.GetValue(patchSize) ?? p.PatchSize,
                    VisionHidden = parse.GetValue(visionHidden) ?? p.VisionHidden,
                    VisionLayers = parse.GetValue(visionLayers) ?? p.VisionLayers,
                    VisionHeads = parse.GetValue(visionHeads) ?? p.VisionHeads,
                    VisionIntermediate = parse.GetValue(visionIntermediate) ?? p.VisionIntermediate,
                    TextHidden = parse.GetValue(textHidden) ?? p.TextHidden,
                    TextLayers = parse.GetValue(textLayers) ?? p.TextLayers,
                    TextHeads = parse.GetValue(textHeads) ?? p.TextHeads,
                    TextIntermediate = parse.GetValue(textIntermediate) ?? p.TextIntermediate,
                };
                shape.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UserInputException(e.Message);
            }
            IReadOnlyDictionary<Glimpse.Demo.Questions.QuestionKind, double> weights;
            try
            {
                weights = parse.GetValue(kindWeights) is { } text ? DemoTrainingOptions.ParseKindWeights(text, defaults.KindWeights) : defaults.KindWeights;
            }
            catch (ArgumentException e)
            {
                throw new UserInputException($"--kind-weights: {e.Message}");
            }
            var options = defaults with
            {
                OutputDirectory = Path.GetFullPath(parse.GetValue(output)!),
                Seed = parse.GetValue(seed),
                MaxMinutes = parse.GetValue(minutes),
                MaxSteps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                QuestionsPerImage = parse.GetValue(questions),
                PeakLearningRate = parse.GetValue(learningRate),
                TargetAccuracy = parse.GetValue(target),
                TestItems = parse.GetValue(testItems),
                Threads = parse.GetValue(threads),
                Shape = shape,
                KindWeights = weights,
            };
            Console.WriteLine($"glimpse {options.CommandLine()}");
            var report = Run(options);
            AnsiConsole.MarkupLine($"[bold]Stopped:[/] {Markup.Escape(report.StopReason)} after {report.Steps} steps, {report.TrainingTime.TotalMinutes:F1} min");
            AnsiConsole.MarkupLine($"[bold]Validation:[/] {Markup.Escape(report.Validation.ToString())}");
            if (report.Test is { } test) AnsiConsole.MarkupLine($"[bold]Test (greedy, reloaded):[/] {Markup.Escape(test.ToString())}");
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(options.OutputDirectory)} ({report.ParameterCount:N0} parameters, {report.WeightsBytes / 1048576.0:F1} MiB; README.md has the figures)");
            return 0;
        }));
        return command;
    }

    private static DemoTrainingReport Run(DemoTrainingOptions options)
    {
        DemoTrainingReport? report = null;
        AnsiConsole.Progress()
            .AutoRefresh(!Console.IsOutputRedirected)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var vision = ctx.AddTask("vision warm-up", maxValue: Math.Max(1, options.VisionWarmupSteps));
                var train = ctx.AddTask("train", maxValue: options.MaxSteps);
                var test = ctx.AddTask("test", maxValue: Math.Max(1, options.TestItems));
                report = DemoTrainer.Train(options, p =>
                {
                    string validation = p.Validation is null ? "–" : $"{100 * p.Validation.Accuracy:F1} %";
                    if (p.Phase == "vision")
                    {
                        vision.Value = p.Step;
                        vision.Description = $"vision warm-up: probe shape {100 * p.TrainAccuracy:F1} % colour {100 * p.ColorAccuracy:F1} %";
                        if (Console.IsOutputRedirected && (p.Step % 50 == 0 || p.Step == p.TotalSteps))
                            Console.WriteLine($"vision {p.Step} {p.Elapsed.TotalMinutes:F1} min loss {p.Loss:F4} shape {100 * p.TrainAccuracy:F1} % colour {100 * p.ColorAccuracy:F1} %");
                    }
                    else if (p.Phase == "train")
                    {
                        vision.Value = vision.MaxValue;
                        train.Value = p.Step;
                        train.Description = $"train loss {p.Loss:F3} exact {100 * p.TrainAccuracy:F1} % val {validation}";
                        // Redirected output (a log) gets a line every few hundred steps instead of a live bar.
                        if (Console.IsOutputRedirected && (p.Step % 100 == 0 || p.Step % options.ValidationEvery == 0))
                            Console.WriteLine($"step {p.Step} {p.Elapsed.TotalMinutes:F1} min loss {p.Loss:F4} exact {100 * p.TrainAccuracy:F1} % val {p.Validation}");
                    }
                    else
                    {
                        train.Value = train.MaxValue;
                        test.Value = p.Step;
                    }
                });
                train.Value = train.MaxValue;
                test.Value = test.MaxValue;
            });
        return report!;
    }
}
