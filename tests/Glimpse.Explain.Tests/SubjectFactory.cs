using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Processing;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests;

/// <summary>Explanation subjects built from the reference sets' stored sequence and positions.</summary>
internal static class SubjectFactory
{
    public static long[] Positions(ReferenceSet r, string key) =>
        r.Json["glimpse"]![key]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();

    public static ExplanationSubject Llava(LlavaFixture fx) => Build(fx.Model, fx.Reference, fx.Image, 4, 4);

    public static ExplanationSubject Qwen2VL(Qwen2VLFixture fx) => Build(fx.Model, fx.Reference, fx.Image, 2, 3);

    public static ExplanationSubject Qwen25VL(Qwen25VLFixture fx) => Build(fx.Model, fx.Reference, fx.Image, 2, 5);

    public static ExplanationSubject Qwen3VL(Qwen3VLFixture fx) => Build(fx.Model, fx.Reference, fx.Image, 3, 4);

    /// <summary>Idefics3 with its real layout: four tiles and the global image, 2 × 2 tokens each.</summary>
    public static ExplanationSubject Idefics3(Idefics3Fixture fx) => Build(fx.Model, fx.Reference, fx.Image, Idefics3Layout(fx.Reference));

    /// <summary>The layout the Idefics3 processor gives the reference image.</summary>
    public static ImageTokenLayout Idefics3Layout(ReferenceSet r)
    {
        var processor = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize: 8, scaleFactor: 2);
        using var processed = processor.Process(RgbImage.Load(r.ImagePath));
        return processed.Layout;
    }

    /// <summary>LLaVA-NeXT with its real two-grid layout (base 4×4, high-res 2×8, two newline tokens in no cell).</summary>
    public static ExplanationSubject LlavaNext(LlavaNextFixture fx) => Build(fx.Model, fx.Reference, fx.Image, LlavaNextLayout(fx.Reference));

    /// <summary>The layout the processor gives the reference image.</summary>
    public static ImageTokenLayout LlavaNextLayout(ReferenceSet r)
    {
        using var processed = ImageProcessorFactory.FromFolder(r.ModelDir, patchSize: 8).Process(RgbImage.Load(r.ImagePath));
        return processed.Layout;
    }

    private static ExplanationSubject Build(VisionLanguageModel model, ReferenceSet r, ImageInput image, int h, int w) =>
        Build(model, r, image, GridLayout(h, w));

    private static ExplanationSubject Build(VisionLanguageModel model, ReferenceSet r, ImageInput image, ImageTokenLayout layout) => new()
    {
        Model = model,
        SequenceIds = r.Ids("generated_ids"),
        Image = image,
        VisualPositions = Positions(r, "V_positions"),
        PromptPositions = Positions(r, "P_positions"),
        QueryPositions = Positions(r, "q_positions"),
        AnswerIds = Positions(r, "y_ids"),
        ImageTokens = layout,
    };

    /// <summary>One h × w grid of 1-pixel cells over an h × w input that is the original: the layout's shape is all explainers use.</summary>
    public static ImageTokenLayout GridLayout(int h, int w)
    {
        var size = new PixelSize(w, h);
        return ImageTokenLayout.SingleGrid(h, w, 1, new ImageGeometry(size, size, new PixelRect(0, 0, w, h)));
    }
}
