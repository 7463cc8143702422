#!/usr/bin/python3
"""Trains the small SentencePiece Unigram models the Unigram pipelines are built from, and encodes texts with
SentencePiece itself, a second opinion independent of HuggingFace.

Run by gen-pipelines.js (Debian's python3-sentencepiece 0.1.97, apt-get install python3-sentencepiece):
    /usr/bin/python3 sentencepiece_models.py REQUEST.json RESULT.json
REQUEST: {"corpus": [sentences], "models": {name: {"lowercase": bool, "options": {trainer options}}},
          "encode": {name: [texts]}}.
RESULT:  {name: {"pieces": [[piece, score, type]], "precompiled_charsmap": base64, "normalizer": {...},
          "ids": [[ids of each text to encode]]}}.
Training is single-threaded, so the same corpus and package version give the same models. The model proto is read
by hand (a few protobuf fields), so python3-protobuf is not needed.
"""
import base64
import io
import json
import struct
import sys

import sentencepiece as spm

# sentencepiece_model.proto field numbers.
MODEL_PIECES, MODEL_NORMALIZER = 1, 3
PIECE_TEXT, PIECE_SCORE, PIECE_TYPE = 1, 2, 3
NORM_NAME, NORM_CHARSMAP, NORM_DUMMY_PREFIX, NORM_REMOVE_SPACES, NORM_ESCAPE_SPACES = 1, 2, 3, 4, 5


def fields(data):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unexpected wire type {wire}")
        yield number, wire, value


def varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, i
        shift += 7


def read_model(proto):
    pieces, normalizer = [], {}
    for number, _, value in fields(proto):
        if number == MODEL_PIECES:
            piece = {PIECE_TYPE: 1}
            for n, _, v in fields(value):
                piece[n] = v
            score = struct.unpack('<f', piece.get(PIECE_SCORE, b'\0\0\0\0'))[0]
            pieces.append([piece[PIECE_TEXT].decode('utf-8'), score, piece[PIECE_TYPE]])
        elif number == MODEL_NORMALIZER:
            for n, _, v in fields(value):
                if n == NORM_NAME:
                    normalizer['name'] = v.decode('utf-8')
                elif n == NORM_CHARSMAP:
                    normalizer['precompiled_charsmap'] = base64.b64encode(v).decode('ascii')
                elif n in (NORM_DUMMY_PREFIX, NORM_REMOVE_SPACES, NORM_ESCAPE_SPACES):
                    normalizer[{3: 'add_dummy_prefix', 4: 'remove_extra_whitespaces', 5: 'escape_whitespaces'}[n]] = bool(v)
    return pieces, normalizer


def main():
    request = json.load(open(sys.argv[1], encoding='utf-8'))
    result = {}
    for name, spec in request['models'].items():
        corpus = [t.lower() if spec.get('lowercase') else t for t in request['corpus']]
        out = io.BytesIO()
        spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_writer=out, num_threads=1, minloglevel=2, **spec['options'])
        proto = out.getvalue()
        pieces, normalizer = read_model(proto)
        processor = spm.SentencePieceProcessor(model_proto=proto)
        texts = request['encode'].get(name, [])
        result[name] = {
            'pieces': pieces,
            'precompiled_charsmap': normalizer.pop('precompiled_charsmap', ''),
            'normalizer': normalizer,
            'ids': [processor.encode(t) for t in texts],
        }
    json.dump(result, open(sys.argv[2], 'w', encoding='utf-8'), ensure_ascii=False)


if __name__ == '__main__':
    main()
