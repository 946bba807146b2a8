using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Training;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Tests;

public class TrainingTests
{
    private static readonly DemoModelShape Tiny = new()
    {
        ImageSize = 32, PatchSize = 8, VisionHidden = 32, VisionLayers = 1, VisionHeads = 2, VisionIntermediate = 64,
        TextHidden = 32, TextLayers = 2, TextHeads = 2, TextIntermediate = 64,
    };

    [Fact]
    public void AFewStepsOnATinyModelReduceTheLossAndSaveALoadableModel()
    {
        using var folder = new TempFolder();
        var losses = new List<double>();
        int visionSteps = 0;
        var report = DemoTrainer.Train(new DemoTrainingOptions
        {
            OutputDirectory = folder.Path,
            Shape = Tiny,
            MaxSteps = 60,
            WarmupSteps = 5,
            VisionWarmupSteps = 5,
            VisionWarmupBatchSize = 4,
            BatchSize = 8,
            QuestionsPerImage = 2,
            PeakLearningRate = 3e-3,
            ValidationItems = 16,
            ValidationEvery = 20,
            TestItems = 3,
            Threads = 1,
        }, p =>
        {
            if (p.Phase == "train") losses.Add(p.StepLoss);
            if (p.Phase == "vision") visionSteps++;
        });

        Assert.Equal(5, visionSteps);
        Assert.Equal(60, report.Steps);
        Assert.Equal(60, losses.Count);
        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(5).Average(), string.Join(", ", losses.Select(l => l.ToString("F2"))));
        Assert.Equal(16, report.Validation.Total);
        Assert.Equal(3, report.Test!.Total);
        Assert.True(File.Exists(Path.Combine(folder.Path, "README.md")));
        using var runtime = VisionLanguageRuntime.Open(folder.Path);
        Assert.Equal(report.ParameterCount, runtime.Model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void TheCommandLineRecordsTheShapeAndWeightsThatDifferFromTheDefaults()
    {
        var plain = new DemoTrainingOptions { OutputDirectory = Path.Combine(Environment.CurrentDirectory, "m") };
        Assert.Equal("train-demo --out m --seed 1 --steps 10000 --minutes 30", plain.CommandLine());
        var deep = plain with
        {
            Shape = DemoModelShape.Deep with { VisionLayers = 2 },
            PeakLearningRate = 0.0015,
            KindWeights = DemoTrainingOptions.ParseKindWeights("describe=4, relation=2.5", plain.KindWeights),
        };
        Assert.Equal("train-demo --out m --seed 1 --steps 10000 --minutes 30 --learning-rate 0.0015 --image-size 192 --vision-layers 2 --text-hidden 96 --text-layers 8 "
            + "--text-intermediate 288 --kind-weights color=1,shape=0.4,relation=2.5,count=0.7,exist=1.2,describe=4,color_group=1.5", deep.CommandLine());
        Assert.Equal(36, deep.Shape.ImageTokens);
        Assert.Equal((192, 32), (deep.Scenes.Width, deep.Scenes.CellSize));
        Assert.Throws<ArgumentException>(() => DemoTrainingOptions.ParseKindWeights("banana=2", plain.KindWeights));
        Assert.Throws<ArgumentException>(() => DemoTrainingOptions.ParseKindWeights("describe=-1", plain.KindWeights));
        Assert.Throws<ArgumentException>(() => (DemoModelShape.Deep with { PatchSize = 40 }).Validate());
    }

    [Fact]
    public void TheBatchedForwardEqualsOneSequenceAtATime()
    {
        // Right padding and batching must not change a single logit the loss reads.
        using var folder = new TempFolder();
        Tiny.WriteModelFiles(folder.Path);
        var config = (LlavaConfig)ConfigReader.Read(folder.Path);
        torch.manual_seed(3);
        using var model = new LlavaModel(config);
        DemoCheckpoint.Initialize(model, std: 0.2);
        model.eval();
        using var tokenizer = TextTokenizer.FromFolder(folder.Path);
        var encoder = new ExampleEncoder(tokenizer, ImageProcessorFactory.FromFolder(folder.Path, config.VisionPatchSize),
            ChatTemplates.For("llava", config.ImageTokenId), config.ImageSeqLength, DemoVocabulary.EosId, config.VisionPatchSize);
        var generator = new SceneGenerator(new() { Width = 32, Height = 32, CellSize = 8 });
        var examples = QuestionKinds.All.Select((k, i) => encoder.Encode(generator.Generate(i, k))).ToList();
        Assert.True(examples.Select(e => e.Ids.Length).Distinct().Count() > 1, "the batch should need padding");

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var batch = TrainingBatch.Stack(examples, DemoVocabulary.PadId, 32);
        var batched = BatchedLlavaForward.Logits(model, batch.Pixels, batch.Ids);
        for (int b = 0; b < examples.Count; b++)
        {
            var e = examples[b];
            long[] ids = e.Ids;
            var pixels = batch.Pixels[b].unsqueeze(0);
            var features = model.EncodeImage(new ImageInput(pixels));
            var (positions, _) = model.PositionIds(ids, null);
            var single = model.Logits(model.LanguageModel.Forward(model.Embed(ids, features), positions))[0];
            var difference = (batched[b, ..ids.Length] - single).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"item {b}: batched and single logits differ by {difference}");
        }
    }

    [Fact]
    public void AnEncodedConversationStartsWithTheRuntimePromptAndTargetsOnlyTheAnswers()
    {
        using var folder = new TempFolder();
        Tiny.WriteModelFiles(folder.Path);
        using var tokenizer = TextTokenizer.FromFolder(folder.Path);
        var template = ChatTemplates.For("llava", DemoVocabulary.ImageId);
        var encoder = new ExampleEncoder(tokenizer, ImageProcessorFactory.FromFolder(folder.Path, Tiny.PatchSize), template,
            Tiny.ImageTokens, DemoVocabulary.EosId, Tiny.PatchSize);
        var item = new SceneGenerator(new() { Width = 32, Height = 32, CellSize = 8 }).Generate(5, QuestionKind.Count);
        var followUps = SceneGenerator.FollowUps(item.Scene, 3, new Random(1));
        var example = encoder.Encode(item, followUps);

        var prompt = template.Build(tokenizer, item.Question, Tiny.ImageTokens).InputIds;
        Assert.Equal(prompt, example.Ids[..prompt.Length]);
        Assert.Equal(example.Ids.Length, example.Labels.Length);
        // The targets, read in order, are the answers each followed by EOS; every target is the next input token.
        var targets = example.Labels.Where(l => l != TrainingBatch.Ignored).ToList();
        var expected = new[] { item.Answer }.Concat(followUps.Select(f => f.Answer))
            .SelectMany(a => tokenizer.Encode(a, addSpecialTokens: false).Append(DemoVocabulary.EosId)).ToList();
        Assert.Equal(expected, targets);
        for (int i = 0; i < example.Ids.Length - 1; i++)
            if (example.Labels[i] != TrainingBatch.Ignored) Assert.Equal(example.Ids[i + 1], example.Labels[i]);
        Assert.Equal(TrainingBatch.Ignored, example.Labels[^1]);
        Assert.Equal(4, example.Ids.Count(id => id == DemoVocabulary.EosId));
        Assert.Equal(Tiny.ImageTokens, example.PatchShapes.Length);
    }

    [Fact]
    public void TheScheduleWarmsUpThenDecays()
    {
        var schedule = new LearningRateSchedule(1e-3, 10, 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.True(schedule.At(60) < schedule.At(20));
        Assert.Equal(5e-5, schedule.At(110), 12);
    }

    [Fact]
    public void AnswersMatchIgnoringCaseAndSpacesBeforePunctuation()
    {
        Assert.True(AnswerAccuracy.Matches("The triangle is green .", "The triangle is green."));
        Assert.True(AnswerAccuracy.Matches("  the TRIANGLE  is green.", "The triangle is green."));
        Assert.False(AnswerAccuracy.Matches("The triangle is blue.", "The triangle is green."));
        Assert.False(AnswerAccuracy.Matches("The triangle is green", "The triangle is green."));
    }
}
