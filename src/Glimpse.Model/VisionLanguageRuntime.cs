using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families;
using Glimpse.Model.Generation;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model;

/// <summary>
/// Everything a model folder provides, put together: the model, its tokenizer, its image processor and its chat
/// template. It turns an image and a question into a prompt whose positions are sorted (image tokens V, question
/// tokens P, template), and answers it.
/// </summary>
public sealed class VisionLanguageRuntime : IDisposable
{
    public VisionLanguageModel Model { get; }
    public TextTokenizer Tokenizer { get; }
    public IImageProcessor ImageProcessor { get; }
    public IChatTemplate Template { get; }
    /// <summary>End-of-sequence ids: generation_config.json's, else the tokenizer's, else the model config's.</summary>
    public long[] EosTokenIds { get; }
    public string Directory => Model.Config.Directory;

    /// <summary>The family the model belongs to (its config's model_type).</summary>
    public ModelFamily Family { get; }

    private VisionLanguageRuntime(ModelFamily family, VisionLanguageModel model, TextTokenizer tokenizer, IImageProcessor processor, IChatTemplate template, long[] eos)
    {
        (Family, Model, Tokenizer, ImageProcessor, Template, EosTokenIds) = (family, model, tokenizer, processor, template, eos);
    }

    public static VisionLanguageRuntime Open(string modelDir, ModelLoadOptions? options = null)
    {
        var model = ModelLoader.Load(modelDir, options);
        TextTokenizer? tokenizer = null;
        try
        {
            var family = ModelFamilies.For(model.Config.ModelType);
            tokenizer = Wrap(() => TextTokenizer.FromFolder(modelDir));
            var processor = Wrap(() => family.CreateImageProcessor(modelDir, model.Config));
            var template = family.ChatTemplate(model.Config);
            return new VisionLanguageRuntime(family, model, tokenizer, processor, template, ReadEos(modelDir, tokenizer, model.Config));
        }
        catch
        {
            tokenizer?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>Processes the image and lays out the chat prompt around the question.</summary>
    public PreparedPrompt Prepare(RgbImage image, string question)
    {
        var processed = ImageProcessor.Process(image);
        try
        {
            var imageTokens = ImageTokens(processed);
            var layout = Template.Build(Tokenizer, question, imageTokens);
            int context = Model.Config.Text.MaxPositionEmbeddings;
            if (layout.InputIds.Length >= context)
                throw new ArgumentException(
                    $"The prompt is {layout.InputIds.Length} tokens ({imageTokens.TokenCount} of them image tokens); the model's context is {context} tokens. Shorten the question.");
            return new PreparedPrompt(question, layout, processed, imageTokens);
        }
        catch
        {
            processed.Dispose();
            throw;
        }
    }

    /// <summary>Generates the answer to a prepared prompt.</summary>
    public Answer Answer(PreparedPrompt prompt, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        if (options.EosTokenIds is null) options = options with { EosTokenIds = EosTokenIds };
        var generation = AnswerGenerator.Generate(Model, prompt.Layout.InputIds, prompt.ModelInput, options);
        // The end-of-sequence token is part of the sequence but not of the answer's text.
        var textIds = generation.NewTokens.Where(id => !Tokenizer.IsSpecial(id)).ToArray();
        return new Answer(Tokenizer.Decode(textIds), generation);
    }

    /// <summary>The image tokens the prompt must hold for this image, laid out over it (the family's placeholder
    /// expansion: LLaVA "full" keeps the CLS row as one more token, first, in no cell).</summary>
    public ImageTokenLayout ImageTokens(ProcessedImage image) => Family.ImageTokens(image, Model.Config);

    private static long[] ReadEos(string dir, TextTokenizer tokenizer, VisionLanguageConfig config)
    {
        string path = Path.Combine(dir, "generation_config.json");
        if (File.Exists(path))
        {
            var eos = JsonConfig.Load(path).LongList("eos_token_id", []);
            if (eos.Length > 0) return eos;
        }
        if (tokenizer.EosId is { } id) return [id];
        return config.Text.EosTokenIds;
    }

    /// <summary>Tokenizer and processor files report problems with the IO exceptions; callers get one exception type.</summary>
    private static T Wrap<T>(Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new ModelLoadException(e.Message, e);
        }
    }

    public void Dispose()
    {
        Tokenizer.Dispose();
        Model.Dispose();
    }
}

/// <summary>An image and a question, ready for the model. Owns the processed image.</summary>
public sealed class PreparedPrompt(string question, PromptLayout layout, ProcessedImage image, ImageTokenLayout imageTokens) : IDisposable
{
    public string Question { get; } = question;
    public PromptLayout Layout { get; } = layout;
    public ProcessedImage Image { get; } = image;
    /// <summary>Where the prompt's image tokens (<see cref="PromptLayout.ImagePositions"/>, in order) lie on the image.</summary>
    public ImageTokenLayout ImageTokens { get; } = imageTokens;
    public ImageInput ModelInput { get; } = new(image.PixelValues, image.ImageGridThw, image.Layout.Original);

    public void Dispose() => Image.Dispose();
}

/// <summary>A generated answer. Answer token t sits at position S + t and was emitted by position q_t = S − 1 + t.</summary>
public sealed class Answer(string text, GenerationResult generation) : IDisposable
{
    public string Text { get; } = text;
    public GenerationResult Generation { get; } = generation;
    public long[] FullIds => Generation.FullIds;
    public int PromptLength => Generation.PromptIds.Length;
    public int[] AnswerPositions => Enumerable.Range(PromptLength, Generation.NewTokens.Length).ToArray();
    public int[] QueryPositions => Enumerable.Range(PromptLength - 1, Generation.NewTokens.Length).ToArray();

    public void Dispose() => Generation.Dispose();
}
