namespace Glimpse.Model.Text;

/// <summary>A model's prompt format for one user turn holding one image and a question, ending with the assistant's cue.</summary>
public interface IChatTemplate
{
    /// <summary>
    /// Renders the prompt, tokenizes it, expands the image placeholder to <paramref name="imageTokenCount"/>
    /// image tokens and sorts the positions into image, question and template sets.
    /// </summary>
    /// <exception cref="ArgumentException">The question is empty or whitespace, or contains a special token.</exception>
    PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount);

    /// <summary>
    /// The same for a processed image's token layout. A template whose expansion depends on how the image was cut
    /// (Idefics3's tiles with their row/column markers) reads the grids; the others need only the count.
    /// </summary>
    PromptLayout Build(TextTokenizer tokenizer, string question, Core.Images.ImageTokenLayout imageTokens) =>
        Build(tokenizer, question, imageTokens.TokenCount);
}
