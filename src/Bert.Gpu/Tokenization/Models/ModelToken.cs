namespace Bert.Gpu.Tokenization.Models;

/// <summary>A token a model found in one word: its id and the code units <c>[Start, End)</c> of the word it covers.</summary>
/// <param name="Id">Vocabulary id.</param>
/// <param name="Start">First code unit in the word.</param>
/// <param name="End">One past the last code unit in the word.</param>
internal readonly record struct ModelToken(int Id, int Start, int End);
